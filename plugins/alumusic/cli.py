"""Operator commands: ``python -m alumusic <group> <command>``.

Groups: ``db`` (migrations), ``demo`` (demo data), ``clients`` (API clients), ``users`` (curator
accounts of the dashboard), ``comentarios`` (LGPD erasure, personal-data detection), ``lancamentos``
(the release catalog's CSV import). Other modules
register more groups by adding them to ``cli`` (see the bottom of this file).
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from alumusic.paths import SHARED_DIR

DEFAULT_POOL = SHARED_DIR / "data" / "youtube_ptbr_music_2013_pool.csv"


def _database_url() -> str:
    """DATABASE_URL, or the local stack's embedded server (started when needed) when unset."""
    from alumusic import db as dbmod
    from alumusic import localpg
    from alumusic.settings import get_settings

    settings = get_settings()
    return dbmod.normalise_url(settings.database_url) if settings.database_url else localpg.product_url(settings.data_dir)


@click.group()
def cli() -> None:
    """AluMusic Insights operator commands."""


@cli.group()
def db() -> None:
    """Product database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (idempotent)."""
    from alumusic import migrations

    url = _database_url()
    migrations.upgrade(url)
    click.echo(f"schema at revision(s) {', '.join(sorted(migrations.current_revisions(url)))}")


@db.command("url")
def db_url() -> None:
    """Print the product database URL (starting the embedded server if needed)."""
    click.echo(_database_url())


@cli.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@click.option("-n", "--count", type=click.IntRange(1), default=5000, show_default=True)
@click.option("--days", type=click.IntRange(1, 3650), default=60, show_default=True,
              help="Spread comments over the last DAYS days.")
@click.option("--seed", type=int, default=42, show_default=True,
              help="Same seed, same comments (reloading adds nothing).")
@click.option("--pool/--no-pool", default=True, show_default=True,
              help="Mix in real comments from ../shared/data when present.")
@click.option("--pool-path", type=click.Path(path_type=Path), default=DEFAULT_POOL)
def demo_load(count: int, days: int, seed: int, pool: bool, pool_path: Path) -> None:
    """Load COUNT realistic comments through the API's repository code."""
    from alumusic import db as dbmod
    from alumusic import demo_data, migrations

    url = _database_url()
    migrations.upgrade(url)
    started = time.perf_counter()
    created = demo_data.load(dbmod.get_engine(url), count, days=days, seed=seed,
                             pool_path=pool_path if pool else None)
    elapsed = time.perf_counter() - started
    click.echo(f"{created} comentários criados ({count - created} já existiam) em {elapsed:.1f} s "
               f"({count / elapsed:,.0f}/s)")


@cli.group()
def clients() -> None:
    """API clients (who may call the API, with which roles)."""


def _migrated_engine():
    from alumusic import db as dbmod
    from alumusic import migrations

    url = _database_url()
    migrations.upgrade(url)
    return dbmod.get_engine(url)


@clients.command("create")
@click.argument("name")
@click.option("--roles", default="ingest,read", show_default=True,
              help="Comma-separated roles among ingest, read, catalogo, admin.")
def clients_create(name: str, roles: str) -> None:
    """Create client NAME and print its secret (shown only this once)."""
    from alumusic.repositories import clients as repo

    try:
        with _migrated_engine().begin() as conn:
            client, secret = repo.create_client(conn, name, roles)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"cliente {client.nome} criado com papéis {','.join(client.papeis)}")
    click.echo("guarde o segredo agora; ele não será mostrado de novo")
    # Last line, last word = the secret (scripts/devstack.py reads it this way).
    click.echo(f"segredo: {secret}")


@clients.command("list")
def clients_list() -> None:
    """List clients with their roles and state."""
    from alumusic.repositories import clients as repo

    with _migrated_engine().connect() as conn:
        rows = repo.list_clients(conn)
    if not rows:
        click.echo("nenhum cliente")
    for c in rows:
        state = "ativo" if c.ativo else f"revogado em {c.revogado_em:%Y-%m-%d %H:%M}"
        click.echo(f"{c.nome:<24} {','.join(c.papeis):<20} {state}")


@clients.command("revoke")
@click.argument("name")
def clients_revoke(name: str) -> None:
    """Revoke client NAME: its tokens stop working within seconds (API cache)."""
    from alumusic.repositories import clients as repo

    with _migrated_engine().begin() as conn:
        revoked = repo.revoke_client(conn, name)
    if not revoked:
        raise click.ClickException(f"nenhum cliente ativo chamado {name!r}")
    click.echo(f"cliente {name} revogado")


@cli.group()
def users() -> None:
    """Curator accounts of the dashboard (roles curador, admin)."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["curador", "admin"]), default="curador", show_default=True)
@click.option("--name", "nome", help="Name shown in the dashboard and on corrections.")
@click.option("--email", help="E-mail (the OIDC login matches accounts by it).")
@click.option("--no-password", is_flag=True, help="OIDC-only account: no password login.")
def users_create(username: str, role: str, nome: str | None, email: str | None, no_password: bool) -> None:
    """Create account USERNAME and print its generated password (shown only this once)."""
    from alumusic.repositories import curators

    try:
        with _migrated_engine().begin() as conn:
            account, password = curators.create(conn, username, role, nome=nome, email=email,
                                                with_password=not no_password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"conta {account.usuario} criada com papel {account.papel}")
    if password:
        click.echo("guarde a senha agora; ela não será mostrada de novo")
        # Last line, last word = the password (scripts/devstack.py reads it this way).
        click.echo(f"senha: {password}")


@users.command("list")
def users_list() -> None:
    """List accounts with their role, state and last login."""
    from alumusic.repositories import curators

    with _migrated_engine().connect() as conn:
        rows = curators.list_all(conn)
    if not rows:
        click.echo("nenhuma conta")
    for c in rows:
        state = "ativa" if c.ativo else "desativada"
        last = f"último acesso {c.ultimo_login_em:%Y-%m-%d %H:%M}" if c.ultimo_login_em else "nunca entrou"
        click.echo(f"{c.usuario:<24} {c.papel:<8} {state:<11} {last}")


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable account USERNAME: its sessions end at once."""
    from alumusic.repositories import curators

    with _migrated_engine().begin() as conn:
        if not curators.disable(conn, username):
            raise click.ClickException(f"nenhuma conta ativa com o usuário {username!r}")
    click.echo(f"conta {username} desativada; as sessões dela foram encerradas")


@users.command("reset-password")
@click.argument("username")
def users_reset_password(username: str) -> None:
    """Give USERNAME a new generated password (printed once); its sessions end."""
    from alumusic.repositories import curators

    try:
        with _migrated_engine().begin() as conn:
            password = curators.set_password(conn, username)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"nova senha de {username}; guarde-a agora")
    click.echo(f"senha: {password}")


@cli.group()
def comentarios() -> None:
    """Comments: LGPD erasure and personal-data detection."""


def _cli_author() -> str:
    import getpass

    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (container without passwd entry): still auditable
        user = "desconhecido"
    return f"cli:{user}"


@comentarios.command("apagar")
@click.option("--id", "ids", type=click.UUID, multiple=True, help="Comment to erase (repeat for several).")
@click.option("--fonte", help="Erase the comments of this source.")
@click.option("--antes", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Erase those received before this day (AAAA-MM-DD, 00:00 in TIMEZONE); with --fonte, "
                   "only that source's.")
@click.option("--motivo", required=True, help="Why (kept in the erasure audit, apagamentos: no personal data here).")
@click.option("--sim", is_flag=True, help="Do not ask for confirmation (erasure by --fonte/--antes).")
def comentarios_apagar(ids: tuple, fonte: str | None, antes, motivo: str, sim: bool) -> None:
    """Erase comments' text (LGPD): by --id, or by --fonte and/or --antes.

    The text becomes "[comentário apagado]"; personal data, classification history and tag
    explanations go; the current classification stays (counts do not change). Idempotent: a
    comment already erased does not count again. Every run is recorded in apagamentos.
    """
    from zoneinfo import ZoneInfo

    from alumusic.repositories import erasure
    from alumusic.settings import get_settings

    if ids and (fonte is not None or antes is not None):
        raise click.UsageError("use --id sozinho, ou --fonte e/ou --antes")
    if not ids and fonte is None and antes is None:
        raise click.UsageError("informe --id, --fonte ou --antes")
    instante = antes.replace(tzinfo=ZoneInfo(get_settings().timezone)) if antes else None
    criteria = {"ids": list(ids) or None, "fonte": fonte, "antes": instante}
    engine = _migrated_engine()
    try:
        if not ids:
            with engine.connect() as conn:
                previstos = erasure.count_erasable(conn, **criteria)
            alvo = " e ".join(part for part in (f"da fonte {fonte!r}" if fonte is not None else "",
                                                f"recebidos antes de {antes:%Y-%m-%d}" if antes else "") if part)
            click.echo(f"{previstos} comentário(s) {alvo} a apagar")
            if previstos and not sim and not click.confirm("Apagar o texto desses comentários? Isso não pode "
                                                           "ser desfeito"):
                click.echo("cancelado: nada foi apagado")
                raise click.exceptions.Exit(1)
        with engine.begin() as conn:
            apagados = erasure.erase(conn, **criteria, autor=_cli_author(), origem="cli", motivo=motivo)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{apagados} comentário(s) apagado(s)")


@comentarios.command("detectar-dados")
@click.option("--lote", type=click.IntRange(1, 100_000), default=5000, show_default=True,
              help="Comments read and updated per transaction.")
@click.option("--todos", is_flag=True,
              help="Detect again in every comment whose text is kept (after alumusic.domain.pii changed).")
def comentarios_detectar_dados(lote: int, todos: bool) -> None:
    """Fill dados_pessoais of comments stored before detection existed (migration 0008).

    Reads the comments whose dados_pessoais is [] and whose text is still there, in batches by id,
    and stores the spans alumusic.domain.pii finds. Safe to repeat (it re-reads those without personal
    data: [] cannot tell "none found" from "never looked"). With --todos every kept text is read
    and its spans replaced where they differ: run it when detection learns a kind, since masked
    searches blank the stored spans.
    """
    from alumusic.repositories import comments

    engine = _migrated_engine()
    depois, lidos, com_dados, n = comments.FIRST_ID, 0, 0, 0
    achados = "com dados pessoais atualizados" if todos else "com dados pessoais"
    while True:
        with engine.begin() as conn:
            batch = comments.detect_personal_data(conn, depois=depois, lote=lote, todos=todos)
        if not batch.lidos:
            break
        n += 1
        lidos += batch.lidos
        com_dados += batch.com_dados
        depois = batch.ultimo_id
        click.echo(f"lote {n}: {batch.lidos} lido(s), {batch.com_dados} {achados}")
        if batch.lidos < lote:
            break
    click.echo(f"total: {lidos} comentário(s) verificado(s), {com_dados} {achados}")


@cli.group()
def lancamentos() -> None:
    """Release catalog (what the "críticas depois de cada lançamento" chart reads)."""


@lancamentos.command("importar")
@click.argument("arquivo", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--simular", is_flag=True, help="Check and report every row, store nothing.")
def lancamentos_importar(arquivo: Path, simular: bool) -> None:
    """Import releases from ARQUIVO (CSV: artista, titulo, tipo, lancado_em); idempotent.

    Prints one line per row (criado, atualizado, inalterado or recusado, with the reason) and the
    totals. Exit status 0 when no row was refused, 2 when some were, 1 when the file is unreadable.
    """
    from alumusic import release_import

    if arquivo.stat().st_size > release_import.MAX_BYTES:  # refused before it is read into memory
        raise click.ClickException(f"arquivo com mais de {release_import.MAX_BYTES // (1024 * 1024)} MiB: divida-o")
    try:
        results = release_import.import_releases(_migrated_engine(), arquivo.read_bytes(), autor=_cli_author(),
                                                 dry_run=simular)
    except release_import.ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    for r in results:
        what = f" {r.lancamento.artista} — {r.lancamento.titulo} ({r.lancamento.tipo}, " \
               f"{r.lancamento.lancado_em:%d/%m/%Y})" if r.lancamento else ""
        click.echo(f"linha {r.linha}: {r.resultado}{what}: {r.motivo}")
    totals = release_import.totals(results)
    click.echo(("simulação (nada gravado): " if simular else "total: ")
               + ", ".join(f"{n} {name}" for name, n in totals.items()))
    if totals[release_import.RECUSADO]:
        raise click.exceptions.Exit(2)


def main() -> None:
    cli()
