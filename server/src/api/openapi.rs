//! The OpenAPI 3.1 document of the REST API, and a readable page generated from it.

mod door;
mod schemas;
mod support;

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

/// Every operation that takes a JSON body also answers 413 (over 64 KiB), 415 (not
/// JSON) and 422 (fields that do not fit), and every operation answers 503 while the
/// database is out of reach: added here once rather than on each operation.
fn with_body_errors(mut spec: Value) -> Value {
    if let Some(paths) = spec["paths"].as_object_mut() {
        for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|ops| ops.values_mut()) {
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                responses
                    .entry("503")
                    .or_insert_with(|| error_ref("The database is out of reach for a moment (`unavailable`); try again after Retry-After"));
            }
            if op.get("requestBody").is_some() {
                if let Some(responses) = op["responses"].as_object_mut() {
                    responses.entry("413").or_insert_with(|| error_ref("The body is over 64 KiB"));
                    responses.entry("415").or_insert_with(|| error_ref("The body is not JSON (Content-Type: application/json)"));
                    responses.entry("422").or_insert_with(|| error_ref("Invalid fields"));
                }
            }
        }
    }
    spec
}

pub fn spec() -> Value {
    let mut doc = document_without_body_errors();
    let parts = [("/paths", support::paths()), ("/components/schemas", support::schemas()), ("/paths", door::paths()), ("/components/schemas", door::schemas())];
    for (at, part) in parts {
        if let (Some(into), Value::Object(part)) = (doc.pointer_mut(at).and_then(Value::as_object_mut), part) {
            into.extend(part);
        }
    }
    with_body_errors(doc)
}

fn document_without_body_errors() -> Value {
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
            "description": "Tickets for live events. JSON in snake_case, UUID ids, RFC 3339 UTC times, money in integer minor units beside a currency code. Lists answer {items, total, page, per_page}. Errors answer {error: {code, message, details}}. Every response carries X-Request-Id (the request's own, when it sent a sane one: up to 64 letters, digits, - _ . :), and the domain events a request causes name it in the event log."
        },
        "servers": [{ "url": "/api/v1" }],
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": "taquilla_session" }
            },
            "schemas": schemas::all()
        },
        "paths": {
            "/auth/register": { "post": {
                "summary": "Create a customer account", "tags": ["auth"], "requestBody": body("RegisterRequest"),
                "description": "An email that already has an account gets the same answer, but nothing is stored and that account is left as it was, so registration does not tell who is registered. It does not sign in; log in next.",
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
            "/venues": {
                "get": {
                    "summary": "The venues an organizer can use: their own and the house's (all of them for an admin), in one page",
                    "tags": ["organizer"], "security": [{ "bearer": [] }, { "cookie": [] }],
                    "responses": { "200": ok("Every usable venue", page_of("VenueView")), "401": unauthorized, "403": forbidden }
                },
                "post": {
                    "summary": "Create a venue with sections of rows × seats (organizer)", "tags": ["organizer"],
                    "security": [{ "bearer": [] }, { "cookie": [] }], "requestBody": body("NewVenue"),
                    "responses": { "201": ok("The venue", json!({ "$ref": "#/components/schemas/VenueView" })), "400": bad,
                                   "401": unauthorized, "403": forbidden, "422": invalid }
                }
            },
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
                               "404": not_found, "409": error_ref("Seats taken (`seats_unavailable`, error.details.seat_ids), not on sale, or the buyer's limit of seats for the event reached (`seat_limit_reached`, error.details.limit)"), "422": invalid, "429": limited }
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
                                   "400": bad, "401": unauthorized, "404": not_found, "409": error_ref("The hold is no longer active (`hold_not_active`), or its event was cancelled (`event_cancelled`) or has started (`event_started`)"), "422": error_ref("Field errors, or the Idempotency-Key was used before for another hold or card (details.idempotency_key)") }
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
                               "401": unauthorized, "404": not_found, "409": error_ref("The ticket is void (`ticket_void`): it has no code") }
            }},
            "/events/{id}/revocations": { "get": {
                "summary": "The event's void tickets, for door devices that verify codes offline (the event's organizer)", "tags": ["tickets"],
                "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } },
                               { "name": "since", "in": "query", "required": false, "schema": { "type": "string", "format": "date-time" },
                                 "description": "Only tickets voided at or after this time" },
                               { "name": "page", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 100000 } }],
                "responses": { "200": ok("Void tickets, oldest first", page_of("Revocation")), "400": bad, "401": unauthorized,
                               "403": forbidden, "404": not_found, "422": invalid }
            }},
            "/admin/event-log": { "get": {
                "summary": "Every domain event, newest first, with each consumer's receipt (admins)", "tags": ["admin"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [{ "name": "type", "in": "query", "required": false, "schema": { "type": "string" }, "description": "An event type, e.g. order.paid" },
                               { "name": "consumer", "in": "query", "required": false, "schema": { "type": "string" }, "description": "Events this consumer has a receipt for" },
                               { "name": "state", "in": "query", "required": false, "schema": { "type": "string", "enum": ["RECEIVED", "PROCESSED", "FAILED"] },
                                 "description": "Events with a receipt in this state (of `consumer`, if given)" },
                               { "name": "from", "in": "query", "required": false, "schema": { "type": "string", "format": "date-time" } },
                               { "name": "to", "in": "query", "required": false, "schema": { "type": "string", "format": "date-time" } },
                               { "name": "request_id", "in": "query", "required": false, "schema": { "type": "string" }, "description": "Events that came from this request (its X-Request-Id)" },
                               { "name": "page", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 100000 } }],
                "responses": { "200": ok("A page of events (25 a page) and the consumers' health", json!({ "$ref": "#/components/schemas/EventLog" })),
                               "400": bad, "401": unauthorized, "403": forbidden, "422": invalid }
            }},
            "/admin/event-log/{id}/retry": { "post": {
                "summary": "Deliver one event again now: to its FAILED consumers, to one consumer, or (force) replayed to one consumer that processed it", "tags": ["admin"],
                "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [id_param()],
                "requestBody": { "required": false, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RetryRequest" } } } },
                "responses": { "200": ok("Each delivery made", json!({ "$ref": "#/components/schemas/Redeliveries" })), "400": bad, "401": unauthorized,
                               "403": forbidden, "404": not_found }
            }},
            "/admin/event-log/retry-failed": { "post": {
                "summary": "Retry every FAILED delivery of one consumer (500 at a time)", "tags": ["admin"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "requestBody": body("RetryFailedRequest"),
                "responses": { "200": ok("Each delivery made", json!({ "$ref": "#/components/schemas/Redeliveries" })), "400": bad, "401": unauthorized, "403": forbidden }
            }},
            "/notifications": { "get": {
                "summary": "My notifications, newest first, in the request's language", "tags": ["notifications"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [{ "name": "unread", "in": "query", "required": false, "schema": { "type": "boolean" }, "description": "Only the unread ones" },
                               { "name": "page", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 100000 } }],
                "responses": { "200": ok("A page of notifications (20 a page)", page_of("Notification")), "400": bad, "401": unauthorized, "422": invalid }
            }},
            "/notifications/{id}/read": { "patch": {
                "summary": "Mark one of my notifications read (again is the same as once)", "tags": ["notifications"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "parameters": [id_param()],
                "responses": { "200": ok("The notification, read", json!({ "$ref": "#/components/schemas/Notification" })), "401": unauthorized, "404": not_found }
            }},
            "/notifications/read-all": { "post": {
                "summary": "Mark all my notifications read", "tags": ["notifications"], "security": [{ "bearer": [] }, { "cookie": [] }],
                "responses": { "200": ok("How many were unread", json!({ "$ref": "#/components/schemas/MarkedRead" })), "401": unauthorized }
            }},
            "/notifications/preferences": {
                "get": {
                    "summary": "Which notifications reach me in the app and by email", "tags": ["notifications"], "security": [{ "bearer": [] }, { "cookie": [] }],
                    "responses": { "200": ok("Every kind I can be sent", json!({ "$ref": "#/components/schemas/Preferences" })), "401": unauthorized }
                },
                "put": {
                    "summary": "Change my settings for the kinds named (the others keep theirs)", "tags": ["notifications"], "security": [{ "bearer": [] }, { "cookie": [] }],
                    "requestBody": body("Preferences"),
                    "responses": { "200": ok("Every kind I can be sent", json!({ "$ref": "#/components/schemas/Preferences" })), "400": bad, "401": unauthorized }
                }
            },
            "/stream": { "get": {
                "summary": "The live stream: server-sent events of seat changes and, signed in, of my orders, holds and notifications",
                "description": "Send `Accept: text/event-stream` (an EventSource does); other requests answer 406. The stream opens with `hello` ({now_ms, cursor}: the server's clock in milliseconds and the newest entry of the event log), then replays what was missed after `Last-Event-ID` (or `last_event_id`), up to 1000 entries of the log (more: a `reset`, load the state again), then follows live with a `heartbeat` ({now_ms}) every 15 s. Messages, each `event: <kind>`, `id: <sequence number>`, `data: <JSON>`: `seats` {event_id, status, seat_ids} for the events named; `event` {event_id, status}; `order` {order_id, status}; `ticket` {order_id, ticket_id}; `hold` {hold_id, status}; `notification` {notification_id, kind}; `reset` {}. Anyone may watch seats; a bearer token or the session cookie adds the user's own messages (a stale cookie is ignored, a bad bearer token is 401). A client that falls behind is dropped and reconnects. Streams are limited per address (TAQUILLA_STREAMS_PER_ADDRESS) and per user (TAQUILLA_STREAMS_PER_USER).",
                "tags": ["live"], "security": [{}, { "bearer": [] }, { "cookie": [] }],
                "parameters": [
                    { "name": "events", "in": "query", "required": false, "schema": { "type": "string", "maxLength": 800 }, "description": "Comma-separated ids of the events whose seats to watch (at most 20)" },
                    { "name": "last_event_id", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 0 }, "description": "Resume after this sequence number (the Last-Event-ID header wins when both are sent)" },
                    { "name": "seats", "in": "query", "required": false, "schema": { "type": "string", "enum": ["ids", "index"], "default": "ids" },
                      "description": "How `seats` messages name seats: `ids` gives `seat_ids`; `index` gives `seat_indexes`, each seat's place in the order of /events/{id}/seats and /events/{id}/seat-statuses (a few bytes a seat instead of an id)" },
                    { "name": "Last-Event-ID", "in": "header", "required": false, "schema": { "type": "string" }, "description": "Sent by the browser when it reconnects by itself" }
                ],
                "responses": {
                    "200": { "description": "Server-sent events, until the client goes", "content": { "text/event-stream": { "schema": { "type": "string" } } } },
                    "400": bad, "401": unauthorized,
                    "406": error_ref("The request does not accept text/event-stream"),
                    "422": invalid,
                    "429": error_ref("Too many streams open from this address or for this user (`too_many_streams`, error.details.limit)")
                }
            }},
            "/events/{id}/seats": { "get": {
                "summary": "Every seat of an event with status and price", "tags": ["catalog"],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "200": ok("All seats", page_of("Seat")), "404": not_found }
            }},
            "/events/{id}/seat-statuses": { "get": {
                "summary": "Every seat's status, one letter each in the order of /seats, and the event log's sequence number they were read at (resume the live stream from it)", "tags": ["catalog"],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "200": ok("The statuses", json!({ "type": "object", "required": ["cursor", "statuses"], "properties": {
                                   "cursor": { "type": "integer", "minimum": 0 },
                                   "statuses": { "type": "string", "pattern": "^[AHS]*$", "description": "A: available, H: held, S: sold" } } })),
                               "404": not_found }
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
