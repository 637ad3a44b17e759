-- Spike alerts (issue 14): one row per alert on a subject (artist, album or tag) and kind.
-- The detector (alumusic.alerts) opens, updates and closes them; curators acknowledge them.
CREATE TABLE alertas (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tipo               text NOT NULL CHECK (tipo IN ('critica', 'volume', 'spam')),
    assunto_tipo       text NOT NULL CHECK (assunto_tipo IN ('artista', 'album', 'tag')),
    artista            text,
    album              text,
    tag                text REFERENCES taxonomia_tags (codigo),
    chave              text NOT NULL,                 -- the subject as one key (alumusic.repositories.alerts)
    aberto_em          timestamptz NOT NULL DEFAULT now(),
    atualizado_em      timestamptz NOT NULL DEFAULT now(),
    fechado_em         timestamptz,                   -- set when the signal fell back
    janela_inicio      timestamptz NOT NULL,          -- the seven days the latest evidence is about
    janela_fim         timestamptz NOT NULL,
    evidencia_inicial  jsonb NOT NULL,                -- the numbers when it opened
    evidencia          jsonb NOT NULL,                -- the latest numbers
    explicacao         text NOT NULL,                 -- the sentence a curator reads (pt-BR)
    atualizacoes       integer NOT NULL DEFAULT 0,
    reconhecido_por    text,
    reconhecido_em     timestamptz,
    notificado_em      timestamptz,                   -- the opening e-mail was accepted by SMTP
    destinatarios      text[] NOT NULL DEFAULT '{}',
    tentativas_envio   integer NOT NULL DEFAULT 0,
    ultimo_erro_envio  text,
    CHECK ((assunto_tipo = 'tag') = (tag IS NOT NULL)),
    CHECK (assunto_tipo <> 'album' OR album IS NOT NULL),
    CHECK (assunto_tipo = 'tag' OR artista IS NOT NULL),
    CHECK (janela_fim > janela_inicio)
);

-- The rule "one open alert per (subject, kind)": later evidence updates it instead of firing again.
CREATE UNIQUE INDEX alertas_um_aberto ON alertas (chave, tipo) WHERE fechado_em IS NULL;
CREATE INDEX alertas_por_notificar ON alertas (aberto_em) WHERE notificado_em IS NULL;
CREATE INDEX alertas_recentes ON alertas (atualizado_em DESC);
