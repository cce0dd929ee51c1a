-- The browser console's sessions (issue 22): an API token exchanged for a session cookie. Only the
-- sha256 of the cookie's secret is stored; the session dies with its token (revocation is checked
-- on every request through the join, deletion cascades).
-- CreateTable
CREATE TABLE "console_sessions" (
    "id" BIGSERIAL NOT NULL,
    "session_hash" TEXT NOT NULL,
    "token_id" BIGINT NOT NULL,
    "csrf_token" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "console_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "console_sessions_session_hash_key" ON "console_sessions"("session_hash");

-- CreateIndex
CREATE INDEX "console_sessions_expires_at_idx" ON "console_sessions"("expires_at");

-- AddForeignKey
ALTER TABLE "console_sessions" ADD CONSTRAINT "console_sessions_token_id_fkey" FOREIGN KEY ("token_id") REFERENCES "api_tokens"("id") ON DELETE CASCADE ON UPDATE CASCADE;
