//! The component schemas of the OpenAPI document.

use serde_json::{json, Value};

/// Every schema of the document, by name.
pub fn all() -> Value {
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
                "locale": { "type": ["string", "null"], "enum": ["es", "en", null], "description": "Preferred language, set by the language switch" },
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
            "required": ["id", "slug", "title", "category", "venue_name", "city", "starts_at", "ends_at", "time_zone", "starts_at_local", "image_url",
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
                "time_zone": { "type": "string", "description": "IANA time zone of the venue, e.g. Europe/Madrid" },
                "starts_at_local": { "type": "string", "format": "date-time", "description": "starts_at in the venue's UTC offset at that moment" },
                "image_url": { "type": ["string", "null"] },
                "status": { "$ref": "#/components/schemas/EventStatus" },
                "featured": { "type": "boolean" },
                "price_from_cents": { "type": ["integer", "null"] },
                "currency": { "type": "string" },
                "seats_available": { "type": "integer" }
            }
        },
        "Venue": {
            "type": "object", "required": ["id", "name", "city", "address", "time_zone"],
            "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" },
                            "city": { "type": "string" }, "address": { "type": "string" }, "time_zone": { "type": "string", "description": "IANA time zone of the venue, e.g. Europe/Madrid" } }
        },
        "SectionPrice": {
            "type": "object", "required": ["section_id", "name", "price_cents", "currency", "capacity"],
            "properties": { "section_id": { "type": "string", "format": "uuid" }, "name": { "type": "string" },
                            "price_cents": { "type": "integer" }, "currency": { "type": "string" }, "capacity": { "type": "integer" } }
        },
        "EventDetail": {
            "allOf": [
                { "$ref": "#/components/schemas/EventSummary" },
                { "type": "object", "required": ["description", "venue", "prices", "max_seats_per_buyer"], "properties": {
                    "description": { "type": "string" },
                    "max_seats_per_buyer": { "type": "integer", "minimum": 1, "maximum": 50 },
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
                "event_time_zone": { "type": "string", "description": "IANA time zone of the venue, e.g. Europe/Madrid (absent from the answer that places the order)" },
                "event_starts_at_local": { "type": "string", "format": "date-time", "description": "event_starts_at in the venue's offset (absent with event_time_zone)" },
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
            "required": ["id", "order_id", "event_id", "event_title", "event_starts_at", "event_time_zone", "event_starts_at_local", "venue", "section", "row", "number", "holder",
                         "status", "code", "qr_svg", "issued_at", "voided_at"],
            "properties": {
                "id": { "type": "string", "format": "uuid" }, "order_id": { "type": "string", "format": "uuid" },
                "event_id": { "type": "string", "format": "uuid" }, "event_title": { "type": "string" },
                "event_starts_at": { "type": "string", "format": "date-time" }, "venue": { "type": "string" },
                "event_time_zone": { "type": "string", "description": "IANA time zone of the venue, e.g. Europe/Madrid" },
                "event_starts_at_local": { "type": "string", "format": "date-time", "description": "event_starts_at in the venue's offset" },
                "section": { "type": "string" }, "row": { "type": "string" }, "number": { "type": "integer" },
                "holder": { "type": "string" }, "status": { "type": "string", "enum": ["VALID", "VOID"] },
                "code": { "type": ["string", "null"], "description": "The signed admission code; null for a void ticket" },
                "qr_svg": { "type": ["string", "null"] },
                "issued_at": { "type": "string", "format": "date-time" },
                "voided_at": { "type": ["string", "null"], "format": "date-time" }
            }
        },
        "EventLog": {
            "type": "object", "required": ["events", "consumers"],
            "properties": {
                "events": {
                    "type": "object", "required": ["items", "total", "page", "per_page"],
                    "properties": {
                        "items": { "type": "array", "items": { "$ref": "#/components/schemas/LoggedEvent" } },
                        "total": { "type": "integer", "minimum": 0 }, "page": { "type": "integer", "minimum": 1 }, "per_page": { "type": "integer", "minimum": 1 }
                    }
                },
                "consumers": { "type": "array", "items": {
                    "type": "object", "required": ["name", "failed", "dead_lettered"],
                    "properties": { "name": { "type": "string" }, "failed": { "type": "integer", "minimum": 0 },
                                    "dead_lettered": { "type": ["integer", "null"], "description": "Messages in its RabbitMQ dead-letter queue; null on the in-process bus" } }
                } }
            }
        },
        "LoggedEvent": {
            "type": "object", "required": ["id", "seq", "event_type", "aggregate_id", "payload", "occurred_at", "published_at", "request_id", "receipts"],
            "properties": {
                "id": { "type": "string", "format": "uuid" }, "seq": { "type": "integer" }, "event_type": { "type": "string" },
                "aggregate_id": { "type": "string" }, "payload": {},
                "occurred_at": { "type": "string", "format": "date-time" }, "published_at": { "type": ["string", "null"], "format": "date-time" },
                "request_id": { "type": ["string", "null"], "description": "The X-Request-Id of the request it came from, directly or through a consumer; null for the workers' own changes" },
                "receipts": { "type": "array", "items": {
                    "type": "object", "required": ["consumer", "state", "attempts", "last_error", "received_at", "updated_at", "next_retry_at"],
                    "properties": {
                        "consumer": { "type": "string" }, "state": { "type": "string", "enum": ["RECEIVED", "PROCESSED", "FAILED"] },
                        "attempts": { "type": "integer" }, "last_error": { "type": ["string", "null"] },
                        "received_at": { "type": "string", "format": "date-time" }, "updated_at": { "type": "string", "format": "date-time" },
                        "next_retry_at": { "type": ["string", "null"], "format": "date-time", "description": "When the reconciler tries a FAILED receipt again by itself" }
                    }
                } }
            }
        },
        "RetryRequest": {
            "type": "object", "additionalProperties": false,
            "properties": { "consumer": { "type": "string" }, "force": { "type": "boolean", "default": false, "description": "Replay even if processed (needs consumer)" } }
        },
        "RetryFailedRequest": {
            "type": "object", "required": ["consumer"], "additionalProperties": false, "properties": { "consumer": { "type": "string" } }
        },
        "Redeliveries": {
            "type": "object", "required": ["items"],
            "properties": { "items": { "type": "array", "items": {
                "type": "object", "required": ["event_id", "consumer", "outcome", "error"],
                "properties": { "event_id": { "type": "string", "format": "uuid" }, "consumer": { "type": "string" },
                                "outcome": { "type": "string", "enum": ["PROCESSED", "DUPLICATE", "FAILED", "UNAVAILABLE"] }, "error": { "type": ["string", "null"] } }
            } } }
        },
        "Notification": {
            "type": "object", "required": ["id", "kind", "title", "body", "link", "created_at", "created_at_local", "read_at"],
            "properties": {
                "id": { "type": "string", "format": "uuid" },
                "kind": { "$ref": "#/components/schemas/NotificationKind" },
                "title": { "type": "string", "description": "In the request's language" }, "body": { "type": "string" },
                "link": { "type": ["string", "null"], "description": "A path of this site: the object the notification is about" },
                "created_at": { "type": "string", "format": "date-time" },
                "created_at_local": { "type": "string", "format": "date-time", "description": "created_at in the house's time zone (Europe/Madrid)" },
                "read_at": { "type": ["string", "null"], "format": "date-time" }
            }
        },
        "NotificationKind": {
            "type": "string",
            "enum": ["WELCOME", "HOLD_EXPIRING", "HOLD_EXPIRED", "ORDER_PAID", "PAYMENT_DECLINED", "ORDER_CANCELLED", "ACCOUNT_DEACTIVATED",
                     "SUPPORT_ASSIGNED", "SUPPORT_REPLY", "SUPPORT_STATUS"]
        },
        "MarkedRead": {
            "type": "object", "required": ["marked"], "properties": { "marked": { "type": "integer", "minimum": 0 } }
        },
        "Preferences": {
            "type": "object", "required": ["items"], "additionalProperties": false,
            "properties": { "items": { "type": "array", "items": {
                "type": "object", "required": ["kind", "in_app", "email"], "additionalProperties": false,
                "properties": { "kind": { "$ref": "#/components/schemas/NotificationKind" }, "in_app": { "type": "boolean" }, "email": { "type": "boolean" } }
            } } }
        },
        "Revocation": {
            "type": "object", "required": ["ticket_id", "seat_id", "voided_at"],
            "properties": { "ticket_id": { "type": "string", "format": "uuid" }, "seat_id": { "type": "string", "format": "uuid" },
                            "voided_at": { "type": "string", "format": "date-time" } }
        },
        "NewVenue": {
            "type": "object", "required": ["name", "city", "sections"],
            "properties": {
                "name": { "type": "string", "minLength": 1, "maxLength": 120 }, "city": { "type": "string", "minLength": 1, "maxLength": 80 },
                "address": { "type": "string" },
                "time_zone": { "type": "string", "default": "Europe/Madrid", "description": "IANA time zone of the venue" },
                "sections": { "type": "array", "minItems": 1, "maxItems": 20, "items": { "type": "object", "required": ["name", "rows", "seats_per_row"],
                    "properties": { "name": { "type": "string" }, "rows": { "type": "integer", "minimum": 1, "maximum": 60 },
                                    "seats_per_row": { "type": "integer", "minimum": 1, "maximum": 80 } } } }
            }
        },
        "VenueView": {
            "type": "object", "required": ["id", "name", "city", "address", "time_zone", "sections"],
            "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" }, "city": { "type": "string" },
                "address": { "type": "string" }, "time_zone": { "type": "string", "description": "IANA time zone of the venue, e.g. Europe/Madrid" },
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
                "max_seats_per_buyer": { "type": "integer", "minimum": 1, "maximum": 50, "default": 8 },
                "prices": { "type": "array", "items": { "type": "object", "required": ["section_id", "price_cents"],
                    "properties": { "section_id": { "type": "string", "format": "uuid" }, "price_cents": { "type": "integer", "minimum": 0 } } } }
            }
        },
        "EventPatch": {
            "type": "object", "additionalProperties": false,
            "properties": { "status": { "$ref": "#/components/schemas/EventStatus" }, "title": { "type": "string" }, "description": { "type": "string" },
                            "max_seats_per_buyer": { "type": "integer", "minimum": 1, "maximum": 50 } }
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
