//! The OpenAPI 3.1 document of the REST API, and a readable page generated from it.

use axum::response::Html;
use axum::Json;
use serde_json::{json, Value};

fn error_ref(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn page_of(item: &str) -> Value {
    json!({
        "type": "object",
        "required": ["items", "total", "page", "per_page"],
        "properties": {
            "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } },
            "total": { "type": "integer", "minimum": 0 },
            "page": { "type": "integer", "minimum": 1 },
            "per_page": { "type": "integer", "minimum": 1 }
        }
    })
}

fn body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn id_param() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } })
}

fn schemas() -> Value {
    json!({
        "Error": {
            "type": "object", "required": ["error"],
            "properties": { "error": { "type": "object", "required": ["code", "message", "details"], "properties": {
                "code": { "type": "string" }, "message": { "type": "string" }, "details": {} } } }
        },
        "Role": { "type": "string", "enum": ["customer", "agent", "organizer", "admin"] },
        "User": {
            "type": "object",
            "required": ["id", "email", "display_name", "role", "active", "skills", "created_at"],
            "properties": {
                "id": { "type": "string", "format": "uuid" },
                "email": { "type": "string" },
                "display_name": { "type": "string" },
                "role": { "$ref": "#/components/schemas/Role" },
                "active": { "type": "boolean" },
                "skills": { "type": "array", "items": { "type": "string" } },
                "created_at": { "type": "string", "format": "date-time" }
            }
        },
        "RegisterRequest": {
            "type": "object", "additionalProperties": false, "required": ["email", "display_name", "password"],
            "properties": {
                "email": { "type": "string", "format": "email", "maxLength": 254 },
                "display_name": { "type": "string", "minLength": 1, "maxLength": 80 },
                "password": { "type": "string", "minLength": 8, "maxLength": 128 }
            }
        },
        "LoginRequest": {
            "type": "object", "additionalProperties": false, "required": ["email", "password"],
            "properties": { "email": { "type": "string" }, "password": { "type": "string" } }
        },
        "LoginResponse": {
            "type": "object", "required": ["token", "token_type", "expires_in", "user"],
            "properties": {
                "token": { "type": "string" },
                "token_type": { "type": "string", "enum": ["Bearer"] },
                "expires_in": { "type": "integer" },
                "user": { "$ref": "#/components/schemas/User" }
            }
        },
        "CreateUserRequest": {
            "type": "object", "additionalProperties": false, "required": ["email", "display_name", "password"],
            "properties": {
                "email": { "type": "string", "format": "email" },
                "display_name": { "type": "string" },
                "password": { "type": "string", "minLength": 8, "maxLength": 128 },
                "role": { "$ref": "#/components/schemas/Role" },
                "skills": { "type": "array", "items": { "type": "string" } }
            }
        },
        "UpdateUserRequest": {
            "type": "object", "additionalProperties": false,
            "properties": { "role": { "$ref": "#/components/schemas/Role" }, "active": { "type": "boolean" } }
        },
        "EventStatus": { "type": "string", "enum": ["DRAFT", "ON_SALE", "SOLD_OUT", "CANCELLED"] },
        "EventSummary": {
            "type": "object",
            "required": ["id", "slug", "title", "category", "venue_name", "city", "starts_at", "ends_at", "image_url",
                         "status", "featured", "price_from_cents", "currency", "seats_available"],
            "properties": {
                "id": { "type": "string", "format": "uuid" },
                "slug": { "type": "string" },
                "title": { "type": "string" },
                "category": { "type": "string" },
                "venue_name": { "type": "string" },
                "city": { "type": "string" },
                "starts_at": { "type": "string", "format": "date-time" },
                "ends_at": { "type": "string", "format": "date-time" },
                "image_url": { "type": ["string", "null"] },
                "status": { "$ref": "#/components/schemas/EventStatus" },
                "featured": { "type": "boolean" },
                "price_from_cents": { "type": ["integer", "null"] },
                "currency": { "type": "string" },
                "seats_available": { "type": "integer" }
            }
        },
        "Venue": {
            "type": "object", "required": ["id", "name", "city", "address"],
            "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" },
                            "city": { "type": "string" }, "address": { "type": "string" } }
        },
        "SectionPrice": {
            "type": "object", "required": ["section_id", "name", "price_cents", "currency", "capacity"],
            "properties": { "section_id": { "type": "string", "format": "uuid" }, "name": { "type": "string" },
                            "price_cents": { "type": "integer" }, "currency": { "type": "string" }, "capacity": { "type": "integer" } }
        },
        "EventDetail": {
            "allOf": [
                { "$ref": "#/components/schemas/EventSummary" },
                { "type": "object", "required": ["description", "venue", "prices"], "properties": {
                    "description": { "type": "string" },
                    "venue": { "$ref": "#/components/schemas/Venue" },
                    "prices": { "type": "array", "items": { "$ref": "#/components/schemas/SectionPrice" } } } }
            ]
        },
        "SeatLine": {
            "type": "object", "required": ["seat_id", "section", "row", "number", "price_cents"],
            "properties": { "seat_id": { "type": "string", "format": "uuid" }, "section": { "type": "string" }, "row": { "type": "string" },
                            "number": { "type": "integer" }, "price_cents": { "type": "integer" } }
        },
        "Hold": {
            "type": "object",
            "required": ["id", "event_id", "event_title", "event_slug", "status", "expires_at", "seats", "total_cents", "currency"],
            "properties": {
                "id": { "type": "string", "format": "uuid" }, "event_id": { "type": "string", "format": "uuid" },
                "event_title": { "type": "string" }, "event_slug": { "type": "string" },
                "status": { "type": "string", "enum": ["ACTIVE", "RELEASED", "EXPIRED", "CONVERTED"] },
                "expires_at": { "type": "string", "format": "date-time" },
                "seats": { "type": "array", "items": { "$ref": "#/components/schemas/SeatLine" } },
                "total_cents": { "type": "integer" }, "currency": { "type": "string" }
            }
        },
        "HoldRequest": {
            "oneOf": [
                { "type": "object", "additionalProperties": false, "required": ["seat_ids"],
                  "properties": { "seat_ids": { "type": "array", "minItems": 1, "maxItems": 8, "uniqueItems": true, "items": { "type": "string", "format": "uuid" } } } },
                { "type": "object", "additionalProperties": false, "required": ["section_id", "quantity"],
                  "properties": { "section_id": { "type": "string", "format": "uuid" }, "quantity": { "type": "integer", "minimum": 1, "maximum": 8 } } }
            ]
        },
        "Payment": {
            "type": "object", "additionalProperties": false, "required": ["card_number", "exp_month", "exp_year", "cvc", "name"],
            "properties": { "card_number": { "type": "string" }, "exp_month": { "type": "integer" }, "exp_year": { "type": "integer" },
                            "cvc": { "type": "string" }, "name": { "type": "string" } }
        },
        "OrderRequest": {
            "type": "object", "additionalProperties": false, "required": ["hold_id", "payment"],
            "properties": { "hold_id": { "type": "string", "format": "uuid" }, "payment": { "$ref": "#/components/schemas/Payment" } }
        },
        "Order": {
            "type": "object",
            "required": ["id", "event_id", "event_title", "event_slug", "event_starts_at", "hold_id", "status", "total_cents", "currency",
                         "card_last4", "failure_reason", "items", "ticket_ids", "created_at", "paid_at"],
            "properties": {
                "id": { "type": "string", "format": "uuid" }, "event_id": { "type": "string", "format": "uuid" },
                "event_title": { "type": "string" }, "event_slug": { "type": "string" },
                "event_starts_at": { "type": "string", "format": "date-time" }, "hold_id": { "type": "string", "format": "uuid" },
                "status": { "type": "string", "enum": ["PENDING", "PAID", "REJECTED", "EXPIRED", "CANCELLED", "REFUNDED"] },
                "total_cents": { "type": "integer" }, "currency": { "type": "string" }, "card_last4": { "type": "string" },
                "failure_reason": { "type": ["string", "null"] },
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/SeatLine" } },
                "ticket_ids": { "type": "array", "items": { "type": "string", "format": "uuid" } },
                "created_at": { "type": "string", "format": "date-time" }, "paid_at": { "type": ["string", "null"], "format": "date-time" }
            }
        },
        "Ticket": {
            "type": "object",
            "required": ["id", "order_id", "event_id", "event_title", "event_starts_at", "venue", "section", "row", "number", "holder",
                         "status", "code", "qr_svg", "issued_at"],
            "properties": {
                "id": { "type": "string", "format": "uuid" }, "order_id": { "type": "string", "format": "uuid" },
                "event_id": { "type": "string", "format": "uuid" }, "event_title": { "type": "string" },
                "event_starts_at": { "type": "string", "format": "date-time" }, "venue": { "type": "string" },
                "section": { "type": "string" }, "row": { "type": "string" }, "number": { "type": "integer" },
                "holder": { "type": "string" }, "status": { "type": "string", "enum": ["VALID", "VOID"] },
                "code": { "type": "string" }, "qr_svg": { "type": ["string", "null"] },
                "issued_at": { "type": "string", "format": "date-time" }
            }
        },
        "NewVenue": {
            "type": "object", "required": ["name", "city", "sections"],
            "properties": {
                "name": { "type": "string", "minLength": 1, "maxLength": 120 }, "city": { "type": "string", "minLength": 1, "maxLength": 80 },
                "address": { "type": "string" },
                "sections": { "type": "array", "minItems": 1, "maxItems": 20, "items": { "type": "object", "required": ["name", "rows", "seats_per_row"],
                    "properties": { "name": { "type": "string" }, "rows": { "type": "integer", "minimum": 1, "maximum": 60 },
                                    "seats_per_row": { "type": "integer", "minimum": 1, "maximum": 80 } } } }
            }
        },
        "VenueView": {
            "type": "object", "required": ["id", "name", "city", "address", "sections"],
            "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" }, "city": { "type": "string" },
                "address": { "type": "string" },
                "sections": { "type": "array", "items": { "type": "object", "required": ["id", "name", "capacity"],
                    "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" }, "capacity": { "type": "integer" } } } } }
        },
        "NewEvent": {
            "type": "object", "additionalProperties": false, "required": ["title", "category", "venue_id", "starts_at", "ends_at", "prices"],
            "properties": {
                "title": { "type": "string", "minLength": 1, "maxLength": 120 }, "description": { "type": "string", "maxLength": 4000 },
                "category": { "type": "string", "minLength": 1, "maxLength": 40 }, "venue_id": { "type": "string", "format": "uuid" },
                "starts_at": { "type": "string", "format": "date-time" }, "ends_at": { "type": "string", "format": "date-time" },
                "currency": { "type": "string", "pattern": "^[A-Z]{3}$" }, "image_url": { "type": ["string", "null"] }, "featured": { "type": "boolean" },
                "prices": { "type": "array", "items": { "type": "object", "required": ["section_id", "price_cents"],
                    "properties": { "section_id": { "type": "string", "format": "uuid" }, "price_cents": { "type": "integer", "minimum": 0 } } } }
            }
        },
        "EventPatch": {
            "type": "object", "additionalProperties": false,
            "properties": { "status": { "$ref": "#/components/schemas/EventStatus" }, "title": { "type": "string" }, "description": { "type": "string" } }
        },
        "SalesReport": {
            "type": "object",
            "required": ["event_id", "title", "status", "currency", "seats_total", "available", "held", "sold", "orders_paid", "revenue_cents"],
            "properties": { "event_id": { "type": "string", "format": "uuid" }, "title": { "type": "string" },
                "status": { "$ref": "#/components/schemas/EventStatus" }, "currency": { "type": "string" },
                "seats_total": { "type": "integer" }, "available": { "type": "integer" }, "held": { "type": "integer" }, "sold": { "type": "integer" },
                "orders_paid": { "type": "integer" }, "revenue_cents": { "type": "integer" } }
        },
        "Seat": {
            "type": "object",
            "required": ["id", "section_id", "section", "row", "number", "x", "y", "accessible", "status", "price_cents", "currency"],
            "properties": {
                "id": { "type": "string", "format": "uuid" },
                "section_id": { "type": "string", "format": "uuid" },
                "section": { "type": "string" },
                "row": { "type": "string" },
                "number": { "type": "integer" },
                "x": { "type": "integer" },
                "y": { "type": "integer" },
                "accessible": { "type": "boolean" },
                "status": { "type": "string", "enum": ["AVAILABLE", "HELD", "SOLD"] },
                "price_cents": { "type": "integer" },
                "currency": { "type": "string" }
            }
        }
    })
}

pub fn spec() -> Value {
    let unauthorized = error_ref("Not signed in");
    let forbidden = error_ref("The role does not allow this");
    let not_found = error_ref("No such object");
    let invalid = error_ref("Invalid fields");
    let bad = error_ref("Malformed request");
    let limited = error_ref("Too many requests (see Retry-After)");
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Taquilla API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Tickets for live events. JSON in snake_case, UUID ids, RFC 3339 UTC times, money in integer minor units beside a currency code. Lists answer {items, total, page, per_page}. Errors answer {error: {code, message, details}}."
        },
        "servers": [{ "url": "/api/v1" }],
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": "taquilla_session" }
            },
            "schemas": schemas()
        },
        "paths": {
            "/auth/register": { "post": {
                "summary": "Create a customer account", "tags": ["auth"], "requestBody": body("RegisterRequest"),
                "responses": { "201": ok("The new account", json!({ "$ref": "#/components/schemas/User" })),
                               "400": bad, "422": invalid, "429": limited }
            }},
            "/auth/login": { "post": {
                "summary": "Sign in: a bearer token and the session cookie", "tags": ["auth"], "requestBody": body("LoginRequest"),
                "responses": { "200": ok("Signed in", json!({ "$ref": "#/components/schemas/LoginResponse" })),
                               "400": bad, "401": error_ref("Email or password is incorrect"),
                               "409": error_ref("The account is deactivated"), "422": invalid, "429": limited }
            }},
            "/auth/logout": { "post": {
                "summary": "End the session or revoke the token", "tags": ["auth"],
                "responses": { "204": { "description": "Signed out" } }
            }},
            "/me": { "get": {
                "summary": "The signed-in user", "tags": ["auth"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "responses": { "200": ok("The user", json!({ "$ref": "#/components/schemas/User" })), "401": unauthorized }
            }},
            "/users": {
                "get": {
                    "summary": "List users (admin)", "tags": ["users"], "security": [{ "bearer": [] }, { "cookie": [] }],
                    "parameters": [
                        { "name": "q", "in": "query", "schema": { "type": "string" } },
                        { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } }
                    ],
                    "responses": { "200": ok("A page of users", page_of("User")), "400": bad, "401": unauthorized, "403": forbidden, "422": invalid }
                },
                "post": {
                    "summary": "Create a user with a role (admin)", "tags": ["users"], "security": [{ "bearer": [] }, { "cookie": [] }],
                    "requestBody": body("CreateUserRequest"),
                    "responses": { "201": ok("The new user", json!({ "$ref": "#/components/schemas/User" })),
                                   "400": bad, "401": unauthorized, "403": forbidden, "422": invalid }
                }
            },
            "/users/{id}": { "patch": {
                "summary": "Change a user's role or active flag (admin); deactivation ends their sessions",
                "tags": ["users"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [id_param()], "requestBody": body("UpdateUserRequest"),
                "responses": { "200": ok("The updated user", json!({ "$ref": "#/components/schemas/User" })),
                               "400": bad, "401": unauthorized, "403": forbidden, "404": not_found, "422": invalid }
            }},
            "/venues": { "post": {
                "summary": "Create a venue with sections of rows × seats (organizer)", "tags": ["organizer"],
                "security": [{ "bearer": [] }, { "cookie": [] }], "requestBody": body("NewVenue"),
                "responses": { "201": ok("The venue", json!({ "$ref": "#/components/schemas/VenueView" })), "400": bad,
                               "401": unauthorized, "403": forbidden, "422": invalid }
            }},
            "/events/{id}/sales": { "get": {
                "summary": "Seats sold, held and available, paid orders and revenue (the event's organizer)", "tags": ["organizer"],
                "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "200": ok("The figures", json!({ "$ref": "#/components/schemas/SalesReport" })), "401": unauthorized,
                               "403": forbidden, "404": not_found }
            }},
            "/events/{id}/orders.csv": { "get": {
                "summary": "The event's orders as CSV (the event's organizer)", "tags": ["organizer"],
                "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "200": { "description": "CSV", "content": { "text/csv": { "schema": { "type": "string" } } } },
                               "401": unauthorized, "403": forbidden, "404": not_found }
            }},
            "/events": {
              "post": {
                "summary": "Create an event as a draft, with a price for every section (organizer)", "tags": ["organizer"],
                "security": [{ "bearer": [] }, { "cookie": [] }], "requestBody": body("NewEvent"),
                "responses": { "201": ok("The event", json!({ "$ref": "#/components/schemas/EventDetail" })), "400": bad,
                               "401": unauthorized, "403": forbidden, "422": invalid }
              },
              "get": {
                "summary": "Search upcoming events", "tags": ["catalog"],
                "parameters": [
                    { "name": "q", "in": "query", "schema": { "type": "string", "maxLength": 100 } },
                    { "name": "category", "in": "query", "schema": { "type": "string" } },
                    { "name": "city", "in": "query", "schema": { "type": "string" } },
                    { "name": "from", "in": "query", "schema": { "type": "string", "format": "date" } },
                    { "name": "to", "in": "query", "schema": { "type": "string", "format": "date" } },
                    { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 10000 } }
                ],
                "responses": { "200": ok("A page of events", page_of("EventSummary")), "400": bad, "422": invalid }
              }
            },
            "/events/{id}": {
              "get": {
                "summary": "One event with venue and prices (id or slug)", "tags": ["catalog"],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "200": ok("The event", json!({ "$ref": "#/components/schemas/EventDetail" })), "404": not_found }
              },
              "patch": {
                "summary": "Change an event's status (DRAFT → ON_SALE → SOLD_OUT/CANCELLED), title or description (its organizer)",
                "tags": ["organizer"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "requestBody": body("EventPatch"),
                "responses": { "200": ok("The event", json!({ "$ref": "#/components/schemas/EventDetail" })), "400": bad,
                               "401": unauthorized, "403": forbidden, "404": not_found, "422": invalid }
              }
            },
            "/events/{id}/holds": { "post": {
                "summary": "Hold 1–8 seats (named, or the best available of a section), all or nothing", "tags": ["box office"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "requestBody": body("HoldRequest"),
                "responses": { "201": ok("The hold", json!({ "$ref": "#/components/schemas/Hold" })), "400": bad, "401": unauthorized,
                               "404": not_found, "409": error_ref("Seats taken (error.details.seat_ids) or not on sale"), "422": invalid, "429": limited }
            }},
            "/holds/{id}": {
                "get": { "summary": "One of my holds", "tags": ["box office"], "security": [{ "bearer": [] }, { "cookie": [] }],
                         "parameters": [id_param()],
                         "responses": { "200": ok("The hold", json!({ "$ref": "#/components/schemas/Hold" })), "401": unauthorized, "404": not_found } },
                "delete": { "summary": "Release a hold (idempotent)", "tags": ["box office"], "security": [{ "bearer": [] }, { "cookie": [] }],
                            "parameters": [id_param()],
                            "responses": { "204": { "description": "Released" }, "401": unauthorized, "404": not_found } }
            },
            "/orders": {
                "post": {
                    "summary": "Place an order from a valid hold; the payment is processed asynchronously", "tags": ["box office"],
                    "security": [{ "bearer": [] }, { "cookie": [] }],
                    "parameters": [{ "name": "Idempotency-Key", "in": "header", "required": true, "schema": { "type": "string", "minLength": 1, "maxLength": 200 } }],
                    "requestBody": body("OrderRequest"),
                    "responses": { "202": ok("The order as it stands (PENDING); the same key returns the first order", json!({ "$ref": "#/components/schemas/Order" })),
                                   "400": bad, "401": unauthorized, "404": not_found, "409": error_ref("The hold is no longer active"), "422": invalid }
                },
                "get": {
                    "summary": "My orders, newest first", "tags": ["box office"], "security": [{ "bearer": [] }, { "cookie": [] }],
                    "parameters": [{ "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } }],
                    "responses": { "200": ok("A page of orders", page_of("Order")), "400": bad, "401": unauthorized, "422": invalid }
                }
            },
            "/orders/{id}": { "get": {
                "summary": "One of my orders", "tags": ["box office"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [id_param()],
                "responses": { "200": ok("The order", json!({ "$ref": "#/components/schemas/Order" })), "401": unauthorized, "404": not_found }
            }},
            "/orders/{id}/cancel": { "post": {
                "summary": "Cancel a paid order before the event starts", "tags": ["box office"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [id_param()],
                "responses": { "200": ok("The cancelled order", json!({ "$ref": "#/components/schemas/Order" })), "401": unauthorized,
                               "404": not_found, "409": error_ref("Not cancellable") }
            }},
            "/tickets": { "get": {
                "summary": "My admission tickets", "tags": ["tickets"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [{ "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } }],
                "responses": { "200": ok("A page of tickets", page_of("Ticket")), "400": bad, "401": unauthorized, "422": invalid }
            }},
            "/tickets/signing-key": { "get": {
                "summary": "The Ed25519 public key that verifies admission codes", "tags": ["tickets"],
                "responses": { "200": ok("The key", json!({ "type": "object", "required": ["algorithm", "public_key", "format"],
                    "properties": { "algorithm": { "type": "string" }, "public_key": { "type": "string" }, "format": { "type": "string" } } })) }
            }},
            "/tickets/{id}": { "get": {
                "summary": "One of my tickets, with its QR code as SVG", "tags": ["tickets"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [id_param()],
                "responses": { "200": ok("The ticket", json!({ "$ref": "#/components/schemas/Ticket" })), "401": unauthorized, "404": not_found }
            }},
            "/tickets/{id}/qr.svg": { "get": {
                "summary": "Download the ticket's QR code", "tags": ["tickets"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [id_param()],
                "responses": { "200": { "description": "SVG image", "content": { "image/svg+xml": { "schema": { "type": "string" } } } },
                               "401": unauthorized, "404": not_found }
            }},
            "/events/{id}/seats": { "get": {
                "summary": "Every seat of an event with status and price", "tags": ["catalog"],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "200": ok("All seats", page_of("Seat")), "404": not_found }
            }}
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A static, script-free page listing every operation of the document.
pub async fn docs_page() -> Html<String> {
    let spec = spec();
    let mut rows = String::new();
    if let Some(paths) = spec["paths"].as_object() {
        for (path, ops) in paths {
            for (method, op) in ops.as_object().into_iter().flatten() {
                let statuses = op["responses"].as_object().map(|r| r.keys().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default();
                let auth = if op.get("security").is_some() { "signed in" } else { "public" };
                rows.push_str(&format!(
                    "<tr><td><code class=\"m-{m}\">{M}</code></td><td><code>/api/v1{p}</code></td><td>{s}</td><td>{a}</td><td>{st}</td></tr>",
                    m = method,
                    M = method.to_uppercase(),
                    p = escape(path),
                    s = escape(op["summary"].as_str().unwrap_or("")),
                    a = auth,
                    st = statuses
                ));
            }
        }
    }
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Taquilla API</title><style>body{{font:16px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1f1633}}\
         table{{border-collapse:collapse;width:100%}}td,th{{text-align:left;padding:.5rem;border-bottom:1px solid #e5e0f0;vertical-align:top}}\
         code{{font-size:.9em}}.m-get{{color:#047857}}.m-post{{color:#1d4ed8}}.m-patch{{color:#b45309}}.m-delete{{color:#b91c1c}}</style></head>\
         <body><h1>Taquilla API <small>v{v}</small></h1><p>{d}</p><p>Machine-readable document: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>. \
         Authenticate with <code>Authorization: Bearer &lt;token&gt;</code> from <code>POST /api/v1/auth/login</code>.</p>\
         <table><thead><tr><th>Method</th><th>Path</th><th>What it does</th><th>Access</th><th>Answers</th></tr></thead><tbody>{rows}</tbody></table></body></html>",
        v = env!("CARGO_PKG_VERSION"),
        d = escape(spec["info"]["description"].as_str().unwrap_or("")),
    ))
}
