//! The support desk's part of the OpenAPI document: its paths and its schemas.

use serde_json::{json, Value};

use super::{body, error_ref, id_param, ok, page_of};

fn signed_in() -> Value {
    json!([{ "bearer": [] }, { "cookie": [] }])
}

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn enumeration(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}

/// The support desk's paths.
pub fn paths() -> Value {
    let unauthorized = error_ref("Not signed in");
    let forbidden = error_ref("The role does not allow this");
    let not_found = error_ref("No such support ticket, or not one of yours");
    let invalid = error_ref("Invalid fields");
    let bad = error_ref("Malformed request");
    let too_large = error_ref("The body is over 30.25 MiB (room for three files of 5 MB in base64, and the text)");
    let conflict = error_ref("Not in this state: `status_change_refused`, `support_ticket_closed`, `support_ticket_taken`");
    let page = json!({ "name": "page", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 100000 } });
    json!({
        "/support/tickets": {
            "get": {
                "summary": "Support tickets: mine (customers), assigned to me or unassigned (agents), all (administrators)", "tags": ["support"], "security": signed_in(),
                "description": "Customers list their own (MINE). Agents list those given to them (ASSIGNED, the default) or the open ones nobody has yet within their skills (UNASSIGNED). Administrators list ALL (the default) or any queue. The desk's queues come most urgent first; `overdue` marks those past a deadline. Lists hold no conversation.",
                "parameters": [
                    { "name": "queue", "in": "query", "required": false, "schema": enumeration(&["MINE", "ASSIGNED", "UNASSIGNED", "ALL"]) },
                    { "name": "status", "in": "query", "required": false, "schema": schema("SupportStatus") },
                    { "name": "category", "in": "query", "required": false, "schema": schema("SupportCategory") },
                    { "name": "priority", "in": "query", "required": false, "schema": schema("SupportPriority") },
                    { "name": "q", "in": "query", "required": false, "schema": { "type": "string", "maxLength": 200 }, "description": "Words in the title, the description or the public conversation" },
                    { "name": "overdue", "in": "query", "required": false, "schema": { "type": "boolean" }, "description": "Only those past a deadline" },
                    page
                ],
                "responses": { "200": ok("A page of support tickets (20 a page)", page_of("SupportTicket")), "400": bad, "401": unauthorized, "403": forbidden, "422": invalid }
            },
            "post": {
                "summary": "Open a support ticket (the system sets its priority; an assigner gives it to an agent)", "tags": ["support"], "security": signed_in(),
                "requestBody": body("NewSupportTicket"),
                "responses": {
                    "201": ok("The support ticket", schema("SupportTicket")),
                    "200": ok("The support ticket made before with the same client_id", schema("SupportTicket")),
                    "400": bad, "401": unauthorized, "413": too_large.clone(), "422": invalid.clone()
                }
            }
        },
        "/support/tickets/{id}": {
            "get": {
                "summary": "One support ticket with its conversation (a customer never gets internal notes)", "tags": ["support"], "security": signed_in(),
                "parameters": [id_param()],
                "responses": { "200": ok("The support ticket", schema("SupportTicket")), "401": unauthorized, "404": not_found }
            },
            "patch": {
                "summary": "Move a support ticket on (OPEN → IN_PROGRESS → WAITING → RESOLVED → CLOSED, reopen), or give it to an agent",
                "description": "The desk moves it forward, back to IN_PROGRESS from WAITING, and reopens a RESOLVED one; the customer closes their own and reopens it once RESOLVED. `assignee_id`: an administrator gives it to any active agent; an agent takes one that nobody has by naming themself.",
                "tags": ["support"], "security": signed_in(),
                "parameters": [id_param()],
                "requestBody": body("SupportTicketChange"),
                "responses": { "200": ok("The support ticket", schema("SupportTicket")), "400": bad, "401": unauthorized, "403": forbidden, "404": not_found, "409": conflict }
            }
        },
        "/support/tickets/{id}/messages": { "post": {
            "summary": "A public reply, or an internal note (the desk only). A customer's reply reopens a WAITING or RESOLVED support ticket.", "tags": ["support"], "security": signed_in(),
            "parameters": [id_param()],
            "requestBody": body("NewSupportMessage"),
            "responses": {
                "201": ok("The message", schema("SupportMessage")),
                "200": ok("The message made before with the same client_id", schema("SupportMessage")),
                "400": bad, "401": unauthorized, "404": not_found, "409": conflict, "413": too_large, "422": invalid
            }
        }},
        "/support/tickets/{id}/attachments/{file_id}": { "get": {
            "summary": "The content of a file of a support ticket (one of its own, or of a message the reader may read)",
            "description": "Answered with the type read from the content when it was sent (`Content-Type`), and its name in `Content-Disposition` (inline).",
            "tags": ["support"], "security": signed_in(),
            "parameters": [id_param(), { "name": "file_id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }],
            "responses": {
                "200": { "description": "The file as it was sent", "content": {
                    "image/png": { "schema": { "type": "string", "format": "binary" } },
                    "image/jpeg": { "schema": { "type": "string", "format": "binary" } },
                    "image/gif": { "schema": { "type": "string", "format": "binary" } },
                    "image/webp": { "schema": { "type": "string", "format": "binary" } },
                    "application/pdf": { "schema": { "type": "string", "format": "binary" } }
                } },
                "401": unauthorized,
                "404": error_ref("No such file, or not one I may read")
            }
        }},
        "/support/tickets/{id}/order": { "get": {
            "summary": "The order a support ticket names, with its payment and tickets, and what I may do with it (the desk)", "tags": ["support"], "security": signed_in(),
            "parameters": [id_param()],
            "responses": { "200": ok("The order panel", schema("OrderPanel")), "401": unauthorized, "403": forbidden,
                           "404": error_ref("No such support ticket, or it names no order") }
        }},
        "/support/tickets/{id}/order/refund": { "post": {
            "summary": "Refund the support ticket's paid order before its event: REFUNDED, tickets void, seats on sale again (administrators, agents who handle payments); again changes nothing",
            "tags": ["support"], "security": signed_in(),
            "parameters": [id_param()],
            "responses": { "200": ok("The order panel", schema("OrderPanel")), "401": unauthorized, "403": forbidden, "404": not_found,
                           "409": error_ref("`not_refundable` (not paid) or `event_started`") }
        }},
        "/support/tickets/{id}/order/resend": { "post": {
            "summary": "Send the support ticket's order's tickets to their buyer again (in the app and by email)", "tags": ["support"], "security": signed_in(),
            "parameters": [id_param()],
            "responses": { "200": ok("The order panel", schema("OrderPanel")), "401": unauthorized, "403": forbidden, "404": not_found,
                           "409": error_ref("`no_tickets`: the order is not paid") }
        }},
        "/support/agents": { "get": {
            "summary": "The agents with their skills, availability and open support tickets (agents and administrators)", "tags": ["support"], "security": signed_in(),
            "responses": { "200": ok("Every agent", json!({ "type": "array", "items": schema("Agent") })), "401": unauthorized, "403": forbidden }
        }},
        "/support/agents/{id}": { "patch": {
            "summary": "Set an agent's availability (the agent themself, or an administrator): AWAY gets nothing new, OFF hands their open support tickets to others",
            "tags": ["support"], "security": signed_in(),
            "parameters": [id_param()],
            "requestBody": body("AgentChange"),
            "responses": { "200": ok("The agent", schema("Agent")), "400": bad, "401": unauthorized, "403": forbidden, "404": error_ref("No such agent") }
        }},
        "/assignments": { "get": {
            "summary": "Who has which support ticket, and since when (agents and administrators)", "tags": ["support"], "security": signed_in(),
            "parameters": [
                { "name": "agent_id", "in": "query", "required": false, "schema": { "type": "string", "format": "uuid" } },
                { "name": "history", "in": "query", "required": false, "schema": { "type": "boolean" }, "description": "Ended assignments too" },
                page
            ],
            "responses": { "200": ok("A page of assignments (50 a page)", page_of("Assignment")), "400": bad, "401": unauthorized, "403": forbidden, "404": error_ref("A malformed agent id"), "422": invalid }
        }}
    })
}

/// The support desk's schemas.
pub fn schemas() -> Value {
    let person = json!({ "type": "object", "required": ["id", "display_name"],
        "properties": { "id": { "type": "string", "format": "uuid" }, "display_name": { "type": "string" } } });
    let time = json!({ "type": "string", "format": "date-time" });
    let maybe_time = json!({ "type": ["string", "null"], "format": "date-time" });
    let client_id = json!({ "type": ["string", "null"], "minLength": 1, "maxLength": 64, "pattern": "^[!-~]+$",
        "description": "The device's id for this action: sending it again answers what it made" });
    let attachments = json!({ "type": "array", "maxItems": 3, "items": schema("NewAttachment"), "description": "At most 3 files, kept sealed" });
    json!({
        "SupportCategory": enumeration(&["PAYMENTS", "TICKETS", "EVENTS", "ACCOUNT", "ACCESSIBILITY", "OTHER"]),
        "SupportPriority": enumeration(&["LOW", "NORMAL", "HIGH", "URGENT"]),
        "SupportStatus": enumeration(&["OPEN", "IN_PROGRESS", "WAITING", "RESOLVED", "CLOSED"]),
        "Availability": enumeration(&["AVAILABLE", "AWAY", "OFF"]),
        "Person": person,
        "SupportTicket": {
            "type": "object",
            "required": ["id", "title", "description", "category", "priority", "status", "requester", "assignee", "order_id", "phone", "created_at",
                         "updated_at", "first_response_due", "resolution_due", "first_response_at", "resolved_at", "overdue"],
            "properties": {
                "id": { "type": "string", "format": "uuid" },
                "title": { "type": "string" }, "description": { "type": "string" },
                "category": schema("SupportCategory"), "priority": schema("SupportPriority"), "status": schema("SupportStatus"),
                "requester": schema("Person"),
                "assignee": { "oneOf": [schema("Person"), { "type": "null" }] },
                "order_id": { "type": ["string", "null"], "format": "uuid" },
                "phone": { "type": ["string", "null"] },
                "created_at": time, "updated_at": time, "first_response_due": time, "resolution_due": time,
                "first_response_at": maybe_time, "resolved_at": maybe_time,
                "overdue": { "type": "boolean", "description": "Open and past its first-response or resolution deadline" },
                "messages": { "type": "array", "items": schema("SupportMessage"), "description": "The conversation, oldest first (one support ticket only)" },
                "attachments": { "type": "array", "items": schema("Attachment"), "description": "The files sent with the support ticket itself (one support ticket only)" }
            }
        },
        "SupportMessage": {
            "type": "object", "required": ["id", "author", "from_staff", "body", "internal", "created_at"],
            "properties": {
                "id": { "type": "string", "format": "uuid" }, "author": schema("Person"),
                "from_staff": { "type": "boolean" }, "body": { "type": "string" },
                "internal": { "type": "boolean", "description": "An internal note: the desk's only" },
                "created_at": time,
                "attachments": { "type": "array", "items": schema("Attachment") }
            }
        },
        "Attachment": {
            "type": "object", "required": ["id", "name", "content_type", "size"],
            "properties": {
                "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" },
                "content_type": enumeration(&["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"]),
                "size": { "type": "integer", "minimum": 1, "maximum": 5242880, "description": "In bytes" }
            }
        },
        "NewAttachment": {
            "type": "object", "additionalProperties": false, "required": ["name", "content_base64"],
            "description": "An image (PNG, JPEG, GIF, WebP) or a PDF of at most 5 MB; its type is read from the content, not the name",
            "properties": {
                "name": { "type": "string", "minLength": 1, "maxLength": 120 },
                "content_base64": { "type": "string", "contentEncoding": "base64" }
            }
        },
        "NewSupportTicket": {
            "type": "object", "additionalProperties": false, "required": ["title", "description", "category"],
            "properties": {
                "title": { "type": "string", "minLength": 4, "maxLength": 120 },
                "description": { "type": "string", "minLength": 10, "maxLength": 5000 },
                "category": schema("SupportCategory"),
                "order_id": { "type": ["string", "null"], "format": "uuid", "description": "One of my orders" },
                "phone": { "type": ["string", "null"], "description": "6 to 15 digits; kept sealed" },
                "client_id": client_id,
                "attachments": attachments.clone()
            }
        },
        "NewSupportMessage": {
            "type": "object", "additionalProperties": false, "required": ["body"],
            "properties": {
                "body": { "type": "string", "minLength": 1, "maxLength": 5000 },
                "internal": { "type": "boolean", "default": false },
                "client_id": client_id,
                "attachments": attachments
            }
        },
        "SupportTicketChange": {
            "type": "object", "additionalProperties": false,
            "properties": { "status": schema("SupportStatus"), "assignee_id": { "type": "string", "format": "uuid" } }
        },
        "Agent": {
            "type": "object", "required": ["id", "display_name", "email", "active", "skills", "availability", "open_tickets", "last_assigned_at"],
            "properties": {
                "id": { "type": "string", "format": "uuid" }, "display_name": { "type": "string" }, "email": { "type": "string" },
                "active": { "type": "boolean" }, "skills": { "type": "array", "items": { "type": "string" } },
                "availability": schema("Availability"), "open_tickets": { "type": "integer", "minimum": 0 },
                "last_assigned_at": maybe_time
            }
        },
        "OrderPanel": {
            "type": "object", "required": ["order", "can_refund", "can_resend"],
            "properties": { "order": schema("Order"), "can_refund": { "type": "boolean" }, "can_resend": { "type": "boolean" } }
        },
        "AgentChange": {
            "type": "object", "additionalProperties": false, "required": ["availability"],
            "properties": { "availability": schema("Availability") }
        },
        "Assignment": {
            "type": "object", "required": ["id", "ticket_id", "ticket_title", "agent", "reason", "assigned_at", "ended_at"],
            "properties": {
                "id": { "type": "string", "format": "uuid" }, "ticket_id": { "type": "string", "format": "uuid" },
                "ticket_title": { "type": "string" }, "agent": schema("Person"),
                "reason": enumeration(&["NEW", "WAITED", "REASSIGNED", "MANUAL", "TAKEN"]),
                "assigned_at": time, "ended_at": maybe_time
            }
        }
    })
}
