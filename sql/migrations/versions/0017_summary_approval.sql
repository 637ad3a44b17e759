-- 0017: approved summaries (issue 14, item 6). With SUMMARY_APPROVAL=true, weekly_summary waits on
-- Airflow's human-in-the-loop ApprovalOperator before e-mailing; the decision is recorded here:
-- - aprovacao: 'aguardando' (the approval task is waiting in Airflow's Required Actions), 'aprovado'
--   (the e-mail may go) or 'rejeitado' (stored, never e-mailed by that run); NULL: no approval asked
--   (SUMMARY_APPROVAL off, or a week whose e-mail was not due);
-- - aprovacao_por: who answered (Airflow user name), NULL while waiting or when the deadline passed;
-- - aprovacao_em: when the request was made ('aguardando') or answered;
-- - aprovacao_prazo_esgotado: nobody answered in time and SUMMARY_APPROVAL_DEFAULT was applied.
-- A rerun that replaces the text clears the decision (it was about the previous text).

ALTER TABLE resumos_semanais
    ADD COLUMN aprovacao text CHECK (aprovacao IN ('aguardando', 'aprovado', 'rejeitado')),
    ADD COLUMN aprovacao_por text,
    ADD COLUMN aprovacao_em timestamptz,
    ADD COLUMN aprovacao_prazo_esgotado boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT resumos_semanais_aprovacao_ck CHECK ((aprovacao IS NULL) = (aprovacao_em IS NULL));
