-- Front-channel logout pages: after a session ends, the browser is sent to
-- /logout/done?frontchannel=<id>, which renders one iframe per client and then
-- continues. The plan (frames and where to continue) waits here, briefly, so no
-- URL carries it and the page itself stays read-only.
CREATE TABLE frontchannel_pages (
    id         TEXT    PRIMARY KEY,      -- 256 random bits, base64url
    plan       TEXT    NOT NULL CHECK (json_valid(plan)),
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX frontchannel_pages_by_age ON frontchannel_pages (created_at);
