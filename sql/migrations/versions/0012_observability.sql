-- 0012: what the status page, the /metrics collector and the pipeline alarms read (issue 19).
--
-- atividade_classificacao: one row per minute in which classify_comments stored outcomes
--   (written once per batch, upserted): comments classified, failed attempts (back to the queue
--   or to 'falhou') and comments that reached 'falhou'. The failure-rate alarm reads a window of it;
--   monitor_pipeline deletes rows older than 8 days.
-- ollama_hosts: per configured Ollama base URL (credentials stripped), cumulative counters of the
--   HTTP calls the classifier made (the /metrics counters; never reset, so Prometheus' rate() works)
--   and the last health probe of monitor_pipeline. Errors are kept as the exception class only.
-- incidentes: operational incidents. One row per incident; at most one open incident per (tipo, chave) —
--   the partial unique index is the de-duplication. Pipeline alarms use origem 'pipeline' and chave '';
--   other watchers can add their own origem/tipo with a subject in chave (the curators' spike alerts of
--   issue 14 keep their own table, alertas; the status page shows the last e-mail of both).
--   notificado_em is set once the operators' e-mail went out (NULL: still to send).

CREATE TABLE atividade_classificacao (
    minuto          timestamptz PRIMARY KEY,
    classificados   integer NOT NULL DEFAULT 0 CHECK (classificados >= 0),
    erros           integer NOT NULL DEFAULT 0 CHECK (erros >= 0),
    falharam        integer NOT NULL DEFAULT 0 CHECK (falharam >= 0)
);

CREATE TABLE ollama_hosts (
    host                text PRIMARY KEY,
    chamadas            bigint NOT NULL DEFAULT 0 CHECK (chamadas >= 0),
    erros               bigint NOT NULL DEFAULT 0 CHECK (erros >= 0),
    segundos            double precision NOT NULL DEFAULT 0 CHECK (segundos >= 0),
    ultima_chamada_em   timestamptz,
    ultimo_erro         text,
    ultimo_erro_em      timestamptz,
    sonda_ok            boolean,
    sonda_modelo        boolean,
    sonda_latencia_ms   real,
    sonda_erro          text,
    sondado_em          timestamptz
);

CREATE TABLE incidentes (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origem              text NOT NULL CHECK (origem IN ('pipeline', 'picos')),
    tipo                text NOT NULL,
    chave               text NOT NULL DEFAULT '',
    aberto_em           timestamptz NOT NULL DEFAULT now(),
    fechado_em          timestamptz,
    detalhe             text NOT NULL,
    valor               double precision,
    limite              double precision,
    notificado_em       timestamptz,
    destinatarios       text[] NOT NULL DEFAULT '{}',
    tentativas_envio    integer NOT NULL DEFAULT 0 CHECK (tentativas_envio >= 0),
    ultimo_erro_envio   text,
    CHECK (fechado_em IS NULL OR fechado_em >= aberto_em)
);
CREATE UNIQUE INDEX incidentes_um_aberto ON incidentes (tipo, chave) WHERE fechado_em IS NULL;
CREATE INDEX incidentes_aberto_em_idx ON incidentes (aberto_em DESC);
