-- Operator notifications moved to status (its notification outbox); the
-- hourly throttle of delivery's own notifications is no longer used.
DROP TABLE IF EXISTS delivery.notifications;
