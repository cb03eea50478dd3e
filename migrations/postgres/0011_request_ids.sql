-- The request a domain event came from (the `X-Request-Id` of the HTTP request that made
-- the change, or of the request whose event a consumer was handling); none for the
-- workers' own changes (a hold expiring) and for events written before this column.
ALTER TABLE domain_events ADD COLUMN request_id TEXT;
CREATE INDEX domain_events_request_idx ON domain_events (request_id);
