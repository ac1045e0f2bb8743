-- Payments and refunds by shift, in time order. `verify` asks of every closed
-- shift whether anything in it is dated after it closed: with the time in the
-- index that is one seek per shift instead of reading every payment the shift
-- took (1,000,000 payments: all of them, a second, on every verify). These
-- serve every lookup by shift the indexes they replace did.
DROP INDEX IF EXISTS payment_attempts_by_shift;
CREATE INDEX IF NOT EXISTS payment_attempts_by_shift ON payment_attempts (shift_id, created_at);
DROP INDEX IF EXISTS refunds_by_shift;
CREATE INDEX IF NOT EXISTS refunds_by_shift ON refunds (shift_id, created_at);
