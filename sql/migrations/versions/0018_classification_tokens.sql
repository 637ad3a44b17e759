-- 0018: what a classification cost the LLM (issue 15, item 2), recorded with its provenance:
-- - tokens_prompt: Ollama's prompt_eval_count, the whole prompt (the part its prefix cache served
--   included: Ollama reports no cached count), summed over the calls of that classification (a
--   corrective retry is a second call);
-- - tokens_resposta: Ollama's eval_count, the tokens generated, summed the same way.
-- NULL: no LLM (offline classifier, copies, manual corrections) or a server that sent no count.
-- Nullable columns without a default: adding them rewrites nothing.

ALTER TABLE classificacoes
    ADD COLUMN tokens_prompt integer CHECK (tokens_prompt >= 0),
    ADD COLUMN tokens_resposta integer CHECK (tokens_resposta >= 0);
