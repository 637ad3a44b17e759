"""The taxonomy review page in the system Chromium: a curator reads the tags the model proposed
(how many comments, examples with the model's explanation), approves one, merges one into an
existing tag and rejects one; each decision is recorded in the session's curator's name and the
page tells how to re-tag the examples (screenshots in test-artifacts/dashboard/)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from alumusic.repositories import taxonomy
from tests.support.dashboard import PASSWORD, USER
from tests.support.taxonomy import VINIL, VINIL_TEXTS, proposal_row, proposed

pytestmark = pytest.mark.browser

TELAO = VINIL.model_copy(update={"codigo": "show_telao", "rotulo": "Telão do show",
                                 "descricao": "Telão e projeções no palco", "explicacao": "Fala do telão."})
MEME = VINIL.model_copy(update={"codigo": "fa_meme", "rotulo": "Memes", "descricao": "Piadas e memes",
                                "explicacao": "É um meme."})


def _seed(db) -> None:
    proposed(db, VINIL, VINIL_TEXTS, artista="Banda Vinil")
    proposed(db, TELAO, ["O telão do show estava apagado", "Telão gigante, lindo"])
    proposed(db, MEME, ["kkkkk esse meme de novo"])


def test_a_curator_approves_merges_and_rejects_proposed_tags(live, db, open_tab):
    _seed(db)
    with db.connect() as conn:
        before, active = taxonomy.version(conn), len(taxonomy.active_codes(conn))

    # The page is private: a visitor logs in first and comes back to it.
    tab = open_tab(logged_in=False)
    page = tab.page
    page.goto(f"{live}/dashboard/taxonomia")
    page.wait_for_url("**/entrar**")
    page.fill("#usuario", USER)
    page.fill("#senha", PASSWORD)
    page.click("#entrar-botao")
    page.wait_for_url("**/dashboard/taxonomia")
    expect(page.locator("a.nav-link", has_text="Taxonomia")).to_have_attribute("href", "/dashboard/taxonomia")

    cards = page.locator("article.proposta")
    expect(cards).to_have_count(3)
    expect(cards.first).to_have_id("proposta-album_vinil")  # most comments first
    vinil = page.locator("#proposta-album_vinil")
    expect(vinil).to_contain_text("Edição em vinil")
    expect(vinil).to_contain_text("Proposta pelo modelo em 4 comentário(s) · área album")
    expect(vinil.locator("li.proposta-exemplo")).to_have_count(3)
    expect(vinil.locator("li.proposta-exemplo").first).to_contain_text("Banda Vinil")
    expect(vinil.locator("li.proposta-exemplo").first).to_contain_text(
        "Explicação do modelo: O comentário fala da edição em vinil.")
    expect(page.locator("#taxonomia-versao")).to_contain_text(f"{active} tags ativas (versão {before})")
    tab.screenshot("taxonomia")

    vinil.get_by_role("button", name="Aprovar", exact=True).click()
    expect(page.locator("#taxonomia-aviso")).to_have_text("Tag album_vinil aprovada: entrou na taxonomia.")
    expect(page.locator("#proposta-album_vinil")).to_have_count(0)
    decided = page.locator("#decidida-album_vinil")
    expect(decided).to_contain_text(f"aprovada: entrou na taxonomia, por {USER}")
    expect(decided).to_contain_text("airflow dags trigger classify_comments")
    expect(page.locator("#taxonomia-versao")).to_contain_text(f"{active + 1} tags ativas")
    expect(page.locator("#taxonomia-versao")).not_to_contain_text(before)
    row = proposal_row(db, "album_vinil")
    assert (row["estado"], row["decidido_por"]) == ("aprovada", USER)
    with db.connect() as conn:
        assert "album_vinil" in taxonomy.active_codes(conn)

    # Merging needs a target; then the code counts as the chosen existing tag.
    telao = page.locator("#proposta-show_telao")
    telao.get_by_role("button", name="Mesclar", exact=True).click()
    expect(page.locator("#taxonomia-aviso")).to_have_text("Escolha a tag existente em que a proposta será mesclada.")
    telao.get_by_text("Mesclar em uma tag existente…").click()
    page.locator(".dash-dropdown-option", has_text="Estrutura do show (show_estrutura)").click()
    telao.get_by_role("button", name="Mesclar", exact=True).click()
    expect(page.locator("#taxonomia-aviso")).to_have_text("Proposta show_telao mesclada em show_estrutura.")
    expect(page.locator("#decidida-show_telao")).to_contain_text("mesclada em show_estrutura")
    row = proposal_row(db, "show_telao")
    assert (row["estado"], row["mesclada_em"], row["decidido_por"]) == ("mesclada", "show_estrutura", USER)

    page.locator("#proposta-fa_meme").get_by_role("button", name="Rejeitar").click()
    expect(page.locator("#taxonomia-aviso")).to_have_text("Proposta fa_meme rejeitada.")
    expect(page.locator("#decidida-fa_meme")).to_contain_text("rejeitada: fica fora da taxonomia")
    expect(page.locator("#decidida-fa_meme")).not_to_contain_text("classify_comments")  # nothing to re-tag
    expect(page.locator("#taxonomia-pendentes")).to_contain_text("Nenhuma proposta pendente.")
    assert proposal_row(db, "fa_meme")["estado"] == "rejeitada"
    with db.connect() as conn:
        assert "fa_meme" not in taxonomy.active_codes(conn)
    tab.screenshot("taxonomia-decidida")

    # Reloaded, the page shows the same state (it is in the database, not in the browser).
    page.reload()
    expect(page.locator("#taxonomia-decididas li")).to_have_count(3)
    assert tab.errors == []

