-- Dashboard: covering indexes for the public report's views (v_relatorio_*).
-- Measured on 1,000,000 comments (bench/dashboard.py, docs/BENCHMARKS.md).

-- The 7/14-day and 48-hour windows of the report read only these columns of comentarios:
-- an index-only scan of the window replaces a sequential scan of the whole table (~400 MB
-- of comment text at 1M rows).
CREATE INDEX IF NOT EXISTS comentarios_janela_relatorio_idx
    ON comentarios (recebido_em) INCLUDE (artista, album, classificacao_atual_id);

-- "Criticism after a release": each release reads its artist/album's first 30 days.
CREATE INDEX IF NOT EXISTS comentarios_lancamento_idx
    ON comentarios (artista, album, recebido_em) INCLUDE (classificacao_atual_id);

-- Current classification -> category without touching the classificacoes heap.
CREATE INDEX IF NOT EXISTS classificacoes_id_categoria_idx
    ON classificacoes (id) INCLUDE (categoria);
