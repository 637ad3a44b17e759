-- AluMusic Insights: initial schema.
-- Names of user-facing data are pt-BR (as in the API contract); comments are English.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent() is only STABLE (it reads a dictionary); this wrapper pins the dictionary so it can
-- be used in expression indexes. Search matches lower(f_unaccent(x)) on both sides.
CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

CREATE OR REPLACE FUNCTION f_texto_busca(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.f_unaccent($1)) $$;

-- ---------------------------------------------------------------------------------------------
-- Tag taxonomy (area_aspect codes). Seeded below; curators may add rows.
CREATE TABLE taxonomia_tags (
    codigo      text PRIMARY KEY CHECK (codigo ~ '^[a-z]+_[a-z0-9_]+$'),
    area        text NOT NULL GENERATED ALWAYS AS (split_part(codigo, '_', 1)) STORED,
    rotulo      text NOT NULL,
    descricao   text NOT NULL,
    ativo       boolean NOT NULL DEFAULT true,
    criado_em   timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------------------------
-- Raw comments, exactly as received, plus their processing state.
CREATE TABLE comentarios (
    id                      uuid PRIMARY KEY,              -- the client's id (idempotency key)
    texto                   text NOT NULL CHECK (length(btrim(texto)) > 0),
    artista                 text,
    album                   text,
    musica                  text,
    tipo                    text CHECK (tipo IN ('musica', 'album', 'clipe', 'show')),
    publicado_em            timestamptz,
    recebido_em             timestamptz NOT NULL DEFAULT now(),
    fonte                   text,
    enviado_por             text,                          -- API client name, 'demo', ...
    status                  text NOT NULL DEFAULT 'pendente'
                                CHECK (status IN ('pendente', 'processando', 'classificado', 'falhou')),
    tentativas              integer NOT NULL DEFAULT 0 CHECK (tentativas >= 0),
    ultimo_erro             text,
    lease_dono              text,                          -- who holds the claim (run/task id)
    lease_ate               timestamptz,                   -- the claim expires then
    classificacao_atual_id  bigint                         -- maintained by trigger, see below
);

CREATE INDEX comentarios_recebido_em_idx ON comentarios (recebido_em);
CREATE INDEX comentarios_publicado_em_idx ON comentarios (publicado_em);
CREATE INDEX comentarios_artista_idx ON comentarios (artista, recebido_em);
CREATE INDEX comentarios_album_idx ON comentarios (album);
-- The claim query only ever looks at work to do: keep that index small.
CREATE INDEX comentarios_fila_idx ON comentarios (recebido_em)
    WHERE status IN ('pendente', 'processando');
CREATE INDEX comentarios_status_idx ON comentarios (status);
CREATE INDEX comentarios_texto_trgm_idx ON comentarios USING gin (f_texto_busca(texto) gin_trgm_ops);
CREATE INDEX comentarios_artista_trgm_idx ON comentarios USING gin (f_texto_busca(artista) gin_trgm_ops);

-- ---------------------------------------------------------------------------------------------
-- Classifications: append-only history. "Current" = newest manual one, else newest automatic.
CREATE TABLE classificacoes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    comentario_id   uuid NOT NULL REFERENCES comentarios (id),
    categoria       text NOT NULL
                        CHECK (categoria IN ('ELOGIO', 'CRÍTICA', 'SUGESTÃO', 'DÚVIDA', 'SPAM', 'OUTRO')),
    confianca       real NOT NULL CHECK (confianca >= 0 AND confianca <= 1),
    origem          text NOT NULL DEFAULT 'automatica' CHECK (origem IN ('automatica', 'manual')),
    classificador   text NOT NULL,          -- backend name: offline, ollama, manual
    versao          text NOT NULL,          -- classifier version: changes with model / prompt / rules
    modelo          text,
    versao_prompt   text,
    latencia_ms     real CHECK (latencia_ms >= 0),
    autor           text,                   -- curator of a manual correction, run id of automatic
    criado_em       timestamptz NOT NULL DEFAULT now(),
    CHECK (origem = 'automatica' OR autor IS NOT NULL)
);

CREATE INDEX classificacoes_comentario_idx ON classificacoes (comentario_id, id DESC);
CREATE INDEX classificacoes_categoria_idx ON classificacoes (categoria);
CREATE INDEX classificacoes_criado_em_idx ON classificacoes (criado_em);

ALTER TABLE comentarios
    ADD CONSTRAINT comentarios_classificacao_atual_fk
    FOREIGN KEY (classificacao_atual_id) REFERENCES classificacoes (id) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE classificacao_tags (
    classificacao_id  bigint NOT NULL REFERENCES classificacoes (id),
    codigo            text NOT NULL REFERENCES taxonomia_tags (codigo),
    explicacao        text NOT NULL CHECK (length(btrim(explicacao)) > 0),
    PRIMARY KEY (classificacao_id, codigo)
);
CREATE INDEX classificacao_tags_codigo_idx ON classificacao_tags (codigo, classificacao_id);

-- History is never rewritten.
CREATE OR REPLACE FUNCTION trg_somente_insercao() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER classificacoes_somente_insercao BEFORE UPDATE OR DELETE ON classificacoes
    FOR EACH ROW EXECUTE FUNCTION trg_somente_insercao();
CREATE TRIGGER classificacao_tags_somente_insercao BEFORE UPDATE OR DELETE ON classificacao_tags
    FOR EACH ROW EXECUTE FUNCTION trg_somente_insercao();

-- Keep comentarios.classificacao_atual_id pointing at the current classification: a manual
-- correction always wins; an automatic one replaces only another automatic one.
CREATE OR REPLACE FUNCTION trg_classificacao_atual() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE comentarios c
       SET classificacao_atual_id = NEW.id
     WHERE c.id = NEW.comentario_id
       AND (NEW.origem = 'manual'
            OR c.classificacao_atual_id IS NULL
            OR NOT EXISTS (SELECT 1 FROM classificacoes k
                            WHERE k.id = c.classificacao_atual_id AND k.origem = 'manual'));
    RETURN NULL;
END $$;

CREATE TRIGGER classificacoes_atual AFTER INSERT ON classificacoes
    FOR EACH ROW EXECUTE FUNCTION trg_classificacao_atual();

-- ---------------------------------------------------------------------------------------------
-- Releases (album/single dates), used by the "criticism after a release" chart.
CREATE TABLE lancamentos (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    artista     text NOT NULL,
    album       text NOT NULL,
    lancado_em  date NOT NULL,
    UNIQUE (artista, album)
);

-- ---------------------------------------------------------------------------------------------
-- Weekly summaries, one per ISO week (e.g. 2026-W47).
CREATE TABLE resumos_semanais (
    semana          text PRIMARY KEY CHECK (semana ~ '^[0-9]{4}-W[0-9]{2}$'),
    inicio          date NOT NULL,
    fim             date NOT NULL,
    texto           text NOT NULL,
    estatisticas    jsonb NOT NULL,
    classificador   text NOT NULL,
    modelo          text,
    versao_prompt   text,
    gerado_em       timestamptz NOT NULL DEFAULT now(),
    enviado_em      timestamptz,
    destinatarios   text[] NOT NULL DEFAULT '{}',
    CHECK (fim > inicio)
);

-- ---------------------------------------------------------------------------------------------
-- API clients: secrets stored as argon2 hashes only.
CREATE TABLE api_clientes (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    nome            text NOT NULL UNIQUE CHECK (nome ~ '^[A-Za-z0-9_.-]{3,64}$'),
    segredo_hash    text NOT NULL,
    papeis          text[] NOT NULL CHECK (papeis <@ ARRAY['ingest', 'read', 'admin']::text[]),
    ativo           boolean NOT NULL DEFAULT true,
    criado_em       timestamptz NOT NULL DEFAULT now(),
    revogado_em     timestamptz
);

-- ---------------------------------------------------------------------------------------------
-- Insights questions and answers, all logged.
CREATE TABLE insights_perguntas (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pergunta    text NOT NULL,
    resposta    text,
    semanas     text[] NOT NULL DEFAULT '{}',
    modelo      text,
    origem      text NOT NULL CHECK (origem IN ('api', 'dashboard')),
    autor       text,
    erro        text,
    latencia_ms real,
    criado_em   timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------------------------
-- Views the dashboard and the summaries read.

-- Every comment with its current classification (NULLs while unclassified).
CREATE VIEW v_comentarios_atuais AS
SELECT c.id, c.texto, c.artista, c.album, c.musica, c.tipo, c.publicado_em, c.recebido_em,
       c.fonte, c.enviado_por, c.status, c.tentativas, c.ultimo_erro,
       k.id            AS classificacao_id,
       k.categoria,
       k.confianca,
       k.origem,
       k.classificador,
       k.versao        AS versao_classificador,
       k.modelo,
       k.autor,
       k.criado_em     AS classificado_em,
       COALESCE((SELECT array_agg(t.codigo ORDER BY t.codigo)
                   FROM classificacao_tags t WHERE t.classificacao_id = k.id), '{}') AS tags
  FROM comentarios c
  LEFT JOIN classificacoes k ON k.id = c.classificacao_atual_id;

-- Chart 1: category mix of the 10 most commented artists over the last 7 days.
CREATE VIEW v_relatorio_categorias_por_artista AS
WITH base AS (
    SELECT c.artista, k.categoria
      FROM comentarios c
      JOIN classificacoes k ON k.id = c.classificacao_atual_id
     WHERE c.recebido_em >= now() - interval '7 days' AND c.artista IS NOT NULL
), top AS (
    SELECT artista FROM base GROUP BY artista ORDER BY count(*) DESC, artista LIMIT 10
)
SELECT b.artista, b.categoria, count(*)::int AS total
  FROM base b JOIN top USING (artista)
 GROUP BY b.artista, b.categoria;

-- Chart 2: share of criticism by days since each release (releases of the last 120 days,
-- comments of the first 30 days after release).
CREATE VIEW v_relatorio_critica_pos_lancamento AS
SELECT l.artista, l.album, l.lancado_em,
       (c.recebido_em::date - l.lancado_em) AS dias_desde_lancamento,
       count(*)::int AS total,
       count(*) FILTER (WHERE k.categoria = 'CRÍTICA')::int AS criticas,
       round(100.0 * count(*) FILTER (WHERE k.categoria = 'CRÍTICA') / count(*), 1) AS pct_critica
  FROM lancamentos l
  JOIN comentarios c ON c.artista = l.artista AND c.album = l.album
  JOIN classificacoes k ON k.id = c.classificacao_atual_id
 WHERE l.lancado_em >= current_date - 120
   AND c.recebido_em >= l.lancado_em
   AND c.recebido_em < l.lancado_em + 31
 GROUP BY l.artista, l.album, l.lancado_em, dias_desde_lancamento;

-- Chart 3: most cited tags in the last 48 hours.
CREATE VIEW v_relatorio_tags_48h AS
SELECT t.codigo, tx.rotulo, count(*)::int AS total
  FROM comentarios c
  JOIN classificacao_tags t ON t.classificacao_id = c.classificacao_atual_id
  JOIN taxonomia_tags tx ON tx.codigo = t.codigo
 WHERE c.recebido_em >= now() - interval '48 hours'
 GROUP BY t.codigo, tx.rotulo;

-- Chart 4: daily category mix over the last 7 days (today included).
CREATE VIEW v_relatorio_mix_diario AS
SELECT c.recebido_em::date AS dia, k.categoria, count(*)::int AS total
  FROM comentarios c
  JOIN classificacoes k ON k.id = c.classificacao_atual_id
 WHERE c.recebido_em >= date_trunc('day', now()) - interval '6 days'
 GROUP BY dia, k.categoria;

-- Chart 5: rising artists: volume of the last 7 days against the 7 before, with the share of
-- criticism and SPAM, so curators see who is growing and whether it is hype or trouble.
CREATE VIEW v_relatorio_artistas_em_alta AS
WITH janela AS (
    SELECT c.artista, k.categoria, c.recebido_em >= now() - interval '7 days' AS recente
      FROM comentarios c
      JOIN classificacoes k ON k.id = c.classificacao_atual_id
     WHERE c.recebido_em >= now() - interval '14 days' AND c.artista IS NOT NULL
)
SELECT artista,
       count(*) FILTER (WHERE recente)::int AS total_7d,
       count(*) FILTER (WHERE NOT recente)::int AS total_7d_anterior,
       round(100.0 * (count(*) FILTER (WHERE recente) - count(*) FILTER (WHERE NOT recente))
             / GREATEST(count(*) FILTER (WHERE NOT recente), 1), 1) AS variacao_pct,
       round(100.0 * count(*) FILTER (WHERE recente AND categoria = 'CRÍTICA')
             / GREATEST(count(*) FILTER (WHERE recente), 1), 1) AS pct_critica_7d,
       round(100.0 * count(*) FILTER (WHERE recente AND categoria = 'SPAM')
             / GREATEST(count(*) FILTER (WHERE recente), 1), 1) AS pct_spam_7d
  FROM janela
 GROUP BY artista
HAVING count(*) FILTER (WHERE recente) >= 5;

-- The taxonomy seed is a data file (alumusic/domain/taxonomy_seed.csv), inserted by 0001_initial.py.
