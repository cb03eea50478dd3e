//! The door's part of the OpenAPI document: check-in bundles, synced scans, door staff.

use serde_json::{json, Value};

use super::{error_ref, ok, page_of};

fn signed_in() -> Value {
    json!([{ "bearer": [] }, { "cookie": [] }])
}

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn event_param() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "maxLength": 120 }, "description": "The event's id or slug" })
}

/// The door's paths.
pub fn paths() -> Value {
    let unauthorized = error_ref("Not signed in");
    let not_found = error_ref("No such event, or not one whose door you work");
    let invalid = error_ref("Invalid fields");
    let bad = error_ref("Malformed request");
    json!({
        "/door/events": { "get": {
            "summary": "The events whose door the caller may work: an organizer's own, those granted as door staff, all for administrators", "tags": ["door"],
            "security": signed_in(),
            "responses": { "200": ok("Events from 12 hours ago on, soonest first", json!({ "type": "array", "items": schema("DoorEvent") })), "401": unauthorized }
        }},
        "/events/{id}/checkin-bundle": { "get": {
            "summary": "Everything a door device needs to check the event's codes offline: its tickets with seats, the void ones, the public key, the rules and the admissions so far", "tags": ["door"],
            "security": signed_in(), "parameters": [event_param()],
            "responses": { "200": ok("The bundle", schema("CheckinBundle")), "401": unauthorized, "404": not_found }
        }},
        "/checkins": { "post": {
            "summary": "A device's scans of one event, synced in a batch", "tags": ["door"], "security": signed_in(),
            "description": "The server checks each code itself. The first scan of a valid ticket by scan time is its admission; later scans are duplicates, which name the admission. An earlier scan synced late takes the admission over (the other becomes a duplicate). Sending a `client_id` again records nothing: its answer is the one on record. Scans dated in the future are taken as now.",
            "requestBody": { "required": true, "content": { "application/json": { "schema": schema("ScanBatch") } } },
            "responses": { "200": ok("Each scan as judged, in the order sent", schema("SyncAnswer")), "400": bad, "401": unauthorized, "404": not_found,
                           "413": error_ref("The body is over 256 KiB"), "422": invalid }
        }},
        "/events/{id}/checkins": { "get": {
            "summary": "The event's scans that changed since a time (a device's next sync learns the other devices' admissions and its duplicates)", "tags": ["door"],
            "security": signed_in(),
            "parameters": [event_param(),
                           { "name": "since", "in": "query", "required": false, "schema": { "type": "string", "format": "date-time" } },
                           { "name": "page", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 100000 } }],
            "responses": { "200": ok("Scans, oldest change first, 1,000 a page", page_of("Checkin")), "400": bad, "401": unauthorized, "404": not_found, "422": invalid }
        }},
        "/events/{id}/door": { "get": {
            "summary": "The door at a glance: admissions, duplicates, rejections, each device (the event's organizer)", "tags": ["door"], "security": signed_in(),
            "parameters": [event_param()],
            "responses": { "200": ok("The summary", schema("DoorSummary")), "401": unauthorized, "404": not_found }
        }},
        "/events/{id}/door-staff": {
            "get": {
                "summary": "Who may check in the event's tickets (the event's organizer)", "tags": ["door"], "security": signed_in(), "parameters": [event_param()],
                "responses": { "200": ok("Door staff by name", json!({ "type": "array", "items": schema("DoorStaff") })), "401": unauthorized, "404": not_found }
            },
            "post": {
                "summary": "Grant an account door access to the event (the event's organizer)", "tags": ["door"], "security": signed_in(), "parameters": [event_param()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["email"], "additionalProperties": false, "properties": { "email": { "type": "string", "format": "email" } } } } } },
                "responses": { "201": ok("Granted", schema("DoorStaff")), "200": ok("Had it already", schema("DoorStaff")), "400": bad, "401": unauthorized,
                               "404": not_found, "422": error_ref("No active account has this email") }
            }
        },
        "/events/{id}/door-staff/{user_id}": { "delete": {
            "summary": "Take door access away (their scans stay on record)", "tags": ["door"], "security": signed_in(),
            "parameters": [event_param(), { "name": "user_id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }],
            "responses": { "204": { "description": "Revoked" }, "401": unauthorized, "404": error_ref("No such event, or no such door staff member") }
        }}
    })
}

/// The door's schemas.
pub fn schemas() -> Value {
    let uuid = json!({ "type": "string", "format": "uuid" });
    let time = json!({ "type": "string", "format": "date-time" });
    let result = json!({ "type": "string", "enum": ["ADMITTED", "DUPLICATE", "REJECTED"] });
    let reason = json!({ "type": ["string", "null"], "enum": ["not_genuine", "other_event", "void", "already_admitted", null] });
    json!({
        "DoorEvent": { "type": "object", "required": ["id", "title", "venue", "starts_at", "starts_at_local"],
            "properties": { "id": uuid, "title": { "type": "string" }, "venue": { "type": "string" }, "starts_at": time, "starts_at_local": time } },
        "Admission": { "type": "object", "required": ["ticket_id", "device_id", "scanned_at"],
            "properties": { "ticket_id": uuid, "device_id": { "type": "string" }, "scanned_at": time } },
        "CheckinBundle": { "type": "object", "required": ["event", "public_key", "rules", "tickets", "revocations", "admissions", "generated_at"],
            "properties": {
                "event": schema("DoorEvent"),
                "public_key": { "type": "string", "description": "Ed25519, base64url" },
                "rules": { "type": "object", "required": ["event_id", "algorithm", "code_format", "single_entry"],
                    "properties": { "event_id": uuid, "algorithm": { "type": "string" }, "code_format": { "type": "string" }, "single_entry": { "type": "boolean" } } },
                "tickets": { "type": "array", "items": { "type": "object", "required": ["id", "seat", "status"],
                    "properties": { "id": uuid, "seat": { "type": "string" }, "status": { "type": "string", "enum": ["VALID", "VOID"] } } } },
                "revocations": { "type": "array", "items": uuid },
                "admissions": { "type": "array", "items": schema("Admission") },
                "generated_at": time
            } },
        "ScanBatch": { "type": "object", "required": ["event_id", "device_id", "scans"], "additionalProperties": false,
            "properties": {
                "event_id": { "type": "string", "description": "The event's id or slug" },
                "device_id": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" },
                "scans": { "type": "array", "minItems": 1, "maxItems": 500, "items": { "type": "object", "required": ["client_id", "code", "scanned_at"], "additionalProperties": false,
                    "properties": { "client_id": { "type": "string", "minLength": 1, "maxLength": 64 }, "code": { "type": "string" }, "scanned_at": time } } }
            } },
        "Checkin": { "type": "object", "required": ["id", "client_id", "device_id", "scanned_at", "received_at", "updated_at", "result"],
            "properties": {
                "id": uuid, "client_id": { "type": "string" }, "ticket_id": { "type": ["string", "null"], "format": "uuid" }, "seat": { "type": ["string", "null"] },
                "device_id": { "type": "string" }, "scanned_at": time, "received_at": time, "updated_at": time, "result": result, "reason": reason,
                "admission": { "oneOf": [schema("Admission"), { "type": "null" }], "description": "For a duplicate: the admission it came after" }
            } },
        "SyncAnswer": { "type": "object", "required": ["results"], "properties": { "results": { "type": "array", "items": schema("Checkin") } } },
        "DoorSummary": { "type": "object", "required": ["event", "tickets", "admitted", "duplicates", "rejected", "devices", "latest_duplicates"],
            "properties": {
                "event": schema("DoorEvent"), "tickets": { "type": "integer" }, "admitted": { "type": "integer" }, "duplicates": { "type": "integer" }, "rejected": { "type": "integer" },
                "devices": { "type": "array", "items": { "type": "object", "required": ["device_id", "scans", "admitted", "duplicates", "rejected", "last_synced_at"],
                    "properties": { "device_id": { "type": "string" }, "scans": { "type": "integer" }, "admitted": { "type": "integer" }, "duplicates": { "type": "integer" },
                                    "rejected": { "type": "integer" }, "last_synced_at": time } } },
                "latest_duplicates": { "type": "array", "items": schema("Checkin") }
            } },
        "DoorStaff": { "type": "object", "required": ["user_id", "email", "display_name", "granted_at"],
            "properties": { "user_id": uuid, "email": { "type": "string" }, "display_name": { "type": "string" }, "granted_at": time } }
    })
}
