-- 0006_social: what social providers need kept beside a message.
--
-- A reply on Bluesky must name the post it answers *and* its thread root as strong refs
-- ({uri, cid}); a chat reply needs the conversation id. Those come with the item when it is
-- fetched and are never derivable later without a network call, so they are kept here, one
-- JSON document per message (the provider's `Item.extra`). Apart from `messages` so the hot
-- message rows stay narrow and email never pays for it.
CREATE TABLE message_extras (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
  extra      TEXT NOT NULL                    -- JSON, provider-specific
) STRICT;
