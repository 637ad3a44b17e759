-- 0010: labels people can trust and that improve with every correction (issue 12).
--
-- 1. classificacoes.confianca_fonte: where confianca came from: 'calibrada' (offline rules and
--    model, calibrated on held-out labels), 'logprobs' (Ollama's token log-probabilities of the
--    chosen category), 'declarada' (the model's own stated value: only when the server returned no
--    logprobs), 'manual' (a curator's correction or confirmation), 'copia' (see 2). NULL before 0010.
-- 2. classificacoes.fonte_id: the classification this one copies: an automatic label taken from a
--    curator's correction of the same text pasted elsewhere (classificador 'copia').
-- 3. classificacoes_anuladas: a review taken back (the review queue's undo). History is never
--    rewritten: the withdrawn row stays, and the comment's current classification is recomputed
--    without it (same rule as before: newest manual, else newest automatic).
-- 4. modelos_classificador: versioned models of the offline classifier's learned layer, trained
--    on curators' labels; one is active at a time; its version is part of the classifier version.
-- 5. f_texto_copia(texto_busca): the text as copies are matched (lower, unaccented, whitespace
--    collapsed), with an index on its md5 so a correction finds its copies at once.
-- 6. comentarios.confianca_revisao: the current classification's confianca while it is one a
--    curator may review (automatic, not a copy), else NULL: the review queue's order, kept by the
--    same triggers that keep the current classification, and indexed for the queue's next item.

ALTER TABLE classificacoes
    ADD COLUMN confianca_fonte text
        CHECK (confianca_fonte IN ('calibrada', 'logprobs', 'declarada', 'manual', 'copia')),
    ADD COLUMN fonte_id bigint REFERENCES classificacoes (id) ON DELETE SET NULL;
CREATE INDEX classificacoes_fonte_idx ON classificacoes (fonte_id) WHERE fonte_id IS NOT NULL;
-- Curators' labels (training, the review counter): manual rows by time.
CREATE INDEX classificacoes_manuais_idx ON classificacoes (criado_em) WHERE origem = 'manual';

CREATE TABLE classificacoes_anuladas (
    classificacao_id  bigint PRIMARY KEY REFERENCES classificacoes (id) ON DELETE CASCADE,
    anulada_por       text NOT NULL,
    anulada_em        timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER classificacoes_anuladas_somente_insercao BEFORE UPDATE OR DELETE ON classificacoes_anuladas
    FOR EACH ROW EXECUTE FUNCTION trg_somente_insercao();

ALTER TABLE comentarios ADD COLUMN confianca_revisao real;
UPDATE comentarios c
   SET confianca_revisao = k.confianca
  FROM classificacoes k
 WHERE k.id = c.classificacao_atual_id AND k.origem = 'automatica';
CREATE INDEX comentarios_revisao_idx ON comentarios (confianca_revisao, recebido_em DESC, id DESC)
    WHERE confianca_revisao IS NOT NULL AND status = 'classificado' AND texto_removido_em IS NULL;

-- 0006's rule (a manual classification always wins; an automatic one replaces only another
-- automatic one), now also keeping the review queue's key.
CREATE OR REPLACE FUNCTION trg_classificacao_atual() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE comentarios c
       SET classificacao_atual_id = NEW.id,
           categoria_atual = NEW.categoria,
           confianca_revisao = CASE WHEN NEW.origem = 'automatica' AND NEW.classificador <> 'copia'
                                    THEN NEW.confianca END
     WHERE c.id = NEW.comentario_id
       AND (NEW.origem = 'manual'
            OR c.classificacao_atual_id IS NULL
            OR NOT EXISTS (SELECT 1 FROM classificacoes k
                            WHERE k.id = c.classificacao_atual_id AND k.origem = 'manual'));
    RETURN NULL;
END $$;

-- The current classification of one comment, ignoring withdrawn rows.
CREATE OR REPLACE FUNCTION f_recalcular_atual(p_comentario uuid) RETURNS void LANGUAGE sql AS $$
    UPDATE comentarios c
       SET classificacao_atual_id = k.id,
           categoria_atual = k.categoria,
           confianca_revisao = CASE WHEN k.origem = 'automatica' AND k.classificador <> 'copia'
                                    THEN k.confianca END
      FROM (SELECT k.id, k.categoria, k.origem, k.classificador, k.confianca
              FROM classificacoes k
             WHERE k.comentario_id = p_comentario
               AND NOT EXISTS (SELECT 1 FROM classificacoes_anuladas a WHERE a.classificacao_id = k.id)
             ORDER BY (k.origem = 'manual') DESC, k.id DESC
             LIMIT 1) k
     WHERE c.id = p_comentario;
$$;

CREATE OR REPLACE FUNCTION trg_classificacao_anulada() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM f_recalcular_atual((SELECT comentario_id FROM classificacoes WHERE id = NEW.classificacao_id));
    RETURN NULL;
END $$;
CREATE TRIGGER classificacoes_anuladas_atual AFTER INSERT ON classificacoes_anuladas
    FOR EACH ROW EXECUTE FUNCTION trg_classificacao_anulada();

CREATE TABLE modelos_classificador (
    versao          text PRIMARY KEY CHECK (versao ~ '^m[0-9]{4,}$'),
    criado_em       timestamptz NOT NULL DEFAULT now(),
    estado          text NOT NULL CHECK (estado IN ('candidato', 'ativo', 'recusado', 'aposentado')),
    rotulos         integer NOT NULL CHECK (rotulos >= 0),      -- labels it was trained on
    ultimo_rotulo_id bigint,                                    -- newest manual classification used
    metricas        jsonb NOT NULL DEFAULT '{}'::jsonb,         -- gate: its scores and the current model's
    artefato        bytea NOT NULL,                             -- joblib dump, written only by train_classifier
    motivo          text,                                       -- why promoted, refused or rolled back
    mudou_em        timestamptz NOT NULL DEFAULT now(),
    mudou_por       text
);
CREATE UNIQUE INDEX modelos_classificador_um_ativo ON modelos_classificador ((true)) WHERE estado = 'ativo';

CREATE OR REPLACE FUNCTION f_texto_copia(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT btrim(regexp_replace($1, '[[:space:]]+', ' ', 'g')) $$;
CREATE INDEX comentarios_copia_idx ON comentarios (md5(f_texto_copia(texto_busca)));
