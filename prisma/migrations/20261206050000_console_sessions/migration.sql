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

-- The console's CSV import wizard: the uploaded file between upload, review and confirm, then
-- the import's progress and report, in the database so that every `vipsync serve` process (with
-- --processes N) sees the same import. Kept an hour; owned by the token that uploaded it.
-- CreateTable
CREATE TABLE "console_imports" (
    "id" TEXT NOT NULL,
    "token_id" BIGINT NOT NULL,
    "file" TEXT NOT NULL,
    "bytes" BYTEA NOT NULL,
    "header" TEXT[],
    "column_map" JSONB,
    "state" TEXT NOT NULL DEFAULT 'uploaded',
    "done" INTEGER NOT NULL DEFAULT 0,
    "total" INTEGER,
    "report" JSONB,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "console_imports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "console_imports_created_at_idx" ON "console_imports"("created_at");

-- AddForeignKey
ALTER TABLE "console_imports" ADD CONSTRAINT "console_imports_token_id_fkey" FOREIGN KEY ("token_id") REFERENCES "api_tokens"("id") ON DELETE CASCADE ON UPDATE CASCADE;
