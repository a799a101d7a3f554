-- 0007_workflow: follow-up notifications and the default reply templates.
-- The tables themselves (follow_ups, templates, template_variants, settings) are in 0001.

-- The desktop asks "which reminders are due and not yet notified?" every minute.
CREATE INDEX follow_ups_unnotified ON follow_ups(due_at)
  WHERE done_at IS NULL AND notified_at IS NULL;

-- Default templates, added once (a template the user deletes stays deleted). Variables are
-- listed in core::template::VARIABLES; a shipped body must pass the same check a saved one does.
INSERT OR IGNORE INTO templates (name, created_at, updated_at) VALUES
  ('Take offline acknowledgement', unixepoch() * 1000, unixepoch() * 1000),
  ('Ask channel reason',           unixepoch() * 1000, unixepoch() * 1000),
  ('Shipping delay apology',       unixepoch() * 1000, unixepoch() * 1000),
  ('Follow-up check-in',           unixepoch() * 1000, unixepoch() * 1000);

INSERT OR IGNORE INTO template_variants (template_id, variant, body)
SELECT t.id, v.variant, v.body FROM templates t JOIN (
  SELECT 'Take offline acknowledgement' AS name, 'public' AS variant,
         'Hi {first_name}, sorry about this — we''ve sent you a private message to sort it out. {case_ref}' AS body
  UNION ALL SELECT 'Take offline acknowledgement', 'default',
         'Hi {first_name}, sorry about this — we''ve written to you privately to sort it out. {case_ref}'
  UNION ALL SELECT 'Ask channel reason', 'default',
         'Hi {first_name}, thanks for getting in touch. So we can do better: what made you choose {channel} to reach us today — did another way of contacting us not work, is it faster, or do you simply prefer it? {case_ref}'
  UNION ALL SELECT 'Ask channel reason', 'public',
         'Thanks {first_name}! Quick question so we can improve: why did you pick {channel} to reach us? {case_ref}'
  UNION ALL SELECT 'Shipping delay apology', 'public',
         'Hi {first_name}, we''re sorry your order is late. We''re on it and will message you privately. {case_ref}'
  UNION ALL SELECT 'Shipping delay apology', 'private',
         'Hi {first_name},

We''re sorry your order has not arrived on time. We have checked with the carrier and will make sure it reaches you as soon as possible; if it does not arrive within three working days we will send a replacement or refund you, whichever you prefer.

Regards,
{agent_name}
{business_name} ({case_ref})'
  UNION ALL SELECT 'Follow-up check-in', 'default',
         'Hi {first_name}, just checking in: is everything sorted now regarding "{subject}"? {case_ref}'
) v ON v.name = t.name;
