-- 0011: the weekly summary's delivery record, listed to admins on the dashboard (issue 13).
--
-- resumos_semanais already keeps enviado_em (set only after SMTP accepted the message) and
-- destinatarios. Now each delivery attempt is counted, and a failed one keeps its error until a
-- later attempt succeeds:
-- - tentativas_envio: SMTP attempts made for the week (successful or not);
-- - ultimo_erro_envio / ultimo_erro_em: the last failed attempt's error and when it happened,
--   cleared by a successful send. The summary itself is never touched by a delivery failure.
-- - destinatarios: from now on the recipients of the last attempt, failed or not.

ALTER TABLE resumos_semanais
    ADD COLUMN tentativas_envio integer NOT NULL DEFAULT 0 CHECK (tentativas_envio >= 0),
    ADD COLUMN ultimo_erro_envio text,
    ADD COLUMN ultimo_erro_em timestamptz,
    ADD CONSTRAINT resumos_semanais_erro_envio_ck CHECK ((ultimo_erro_envio IS NULL) = (ultimo_erro_em IS NULL));

-- Summaries e-mailed before 0011 were sent once, as far as anyone knows.
UPDATE resumos_semanais SET tentativas_envio = 1 WHERE enviado_em IS NOT NULL;
