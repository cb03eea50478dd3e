-- A venue's IANA time zone: its events' times are entered and shown in it.
ALTER TABLE venues ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Madrid';
