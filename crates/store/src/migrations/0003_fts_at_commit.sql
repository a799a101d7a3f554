-- Schema version 3: messages are added to the FTS index once per
-- transaction by Store::write, not row by row by a trigger (see store::Tx::index_later).
-- The delete and update triggers stay: they are rare and keep the index consistent.
DROP TRIGGER message_bodies_ai;
