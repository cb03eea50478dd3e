-- A user's preferred language ("es", "en"); NULL until they choose one or sign up.
ALTER TABLE users ADD COLUMN locale TEXT;
