-- 0007: who may use the private area, how long a login lasts, and the state brute-force limits share.
--
-- 1. curadores: one account per person (roles curador, admin). Passwords are argon2id hashes;
--    an account created for OIDC login may have no password at all. Disabled accounts stay for
--    the audit trail (corrections name their author).
-- 2. curador_sessoes: server-side sessions. The browser's signed cookie carries a random token;
--    only its SHA-256 is stored, so a leaked table opens no session. Logout and disabling an
--    account delete rows here, which ends those sessions at once on every worker.
-- 3. api_refresh_tokens: every refresh token issued (by its jti) in a family that starts at
--    /api/auth/token. A refresh token is good once; presenting a used one again revokes its family.
-- 4. limites_taxa: fixed-window counters for flask-limiter (alumusic.ratelimit_storage), shared
--    by every gunicorn worker of the API and the dashboard. UNLOGGED: losing them in a crash
--    only resets the windows.

CREATE TABLE curadores (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    usuario         text NOT NULL UNIQUE CHECK (usuario ~ '^[a-z0-9][a-z0-9_.@-]{2,63}$'),
    nome            text CHECK (length(nome) <= 200),
    email           text UNIQUE CHECK (length(email) <= 320),
    senha_hash      text,
    papel           text NOT NULL CHECK (papel IN ('curador', 'admin')),
    ativo           boolean NOT NULL DEFAULT true,
    criado_em       timestamptz NOT NULL DEFAULT now(),
    desativado_em   timestamptz,
    ultimo_login_em timestamptz
);

CREATE TABLE curador_sessoes (
    token_hash      text PRIMARY KEY,
    curador_id      integer NOT NULL REFERENCES curadores (id) ON DELETE CASCADE,
    criada_em       timestamptz NOT NULL DEFAULT now(),
    expira_em       timestamptz NOT NULL,
    metodo          text NOT NULL DEFAULT 'senha' CHECK (metodo IN ('senha', 'oidc'))
);
CREATE INDEX curador_sessoes_curador_idx ON curador_sessoes (curador_id);
CREATE INDEX curador_sessoes_expira_idx ON curador_sessoes (expira_em);

CREATE TABLE api_refresh_tokens (
    jti             uuid PRIMARY KEY,
    familia         uuid NOT NULL,
    cliente_id      integer NOT NULL REFERENCES api_clientes (id) ON DELETE CASCADE,
    criado_em       timestamptz NOT NULL DEFAULT now(),
    expira_em       timestamptz NOT NULL,
    usado_em        timestamptz,
    revogado_em     timestamptz
);
CREATE INDEX api_refresh_tokens_familia_idx ON api_refresh_tokens (familia);

CREATE UNLOGGED TABLE limites_taxa (
    chave           text PRIMARY KEY,
    contagem        integer NOT NULL,
    expira_em       timestamptz NOT NULL
);
