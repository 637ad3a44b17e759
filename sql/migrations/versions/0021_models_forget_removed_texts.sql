-- 0021: a learned model forgets a comment whose text is removed (erasure or retention).
-- A model's text vectorisers keep the word and character n-grams of the texts it was trained on
-- (the word vocabulary holds every word and word pair of every training text), so an artefact
-- derived from a comment can quote it. The comments each model was trained on are recorded in
-- modelo_treino; when one of them loses its text, the model loses its artefact in the same
-- transaction (artefato NULL, artefato_removido_em set). An active model so emptied is retired:
-- the classifier answers with the rules and calibration until train_classifier trains a new one.
-- Models stored before this migration have no recorded training set (treino_registrado false):
-- any of them is treated as trained on every comment that has a manual classification.

ALTER TABLE modelos_classificador ALTER COLUMN artefato DROP NOT NULL;
ALTER TABLE modelos_classificador ADD COLUMN artefato_removido_em timestamptz;
ALTER TABLE modelos_classificador ADD COLUMN treino_registrado boolean NOT NULL DEFAULT false;
ALTER TABLE modelos_classificador ADD CONSTRAINT modelos_artefato_ou_removido
    CHECK ((artefato IS NULL) = (artefato_removido_em IS NOT NULL));
ALTER TABLE modelos_classificador ADD CONSTRAINT modelos_ativo_tem_artefato
    CHECK (estado <> 'ativo' OR artefato IS NOT NULL);

CREATE TABLE modelo_treino (
    comentario_id uuid NOT NULL,
    versao        text NOT NULL REFERENCES modelos_classificador (versao) ON DELETE CASCADE,
    PRIMARY KEY (comentario_id, versao)
);
