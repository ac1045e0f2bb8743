-- SQLite's migrations/0008_shift_times.sql on PostgreSQL: payments and refunds
-- by shift in time order (verify's "nothing dated after its shift closed" is
-- one seek per closed shift).
DROP INDEX payment_attempts_by_shift;
CREATE INDEX payment_attempts_by_shift ON payment_attempts (shift_id, created_at);
DROP INDEX refunds_by_shift;
CREATE INDEX refunds_by_shift ON refunds (shift_id, created_at);
