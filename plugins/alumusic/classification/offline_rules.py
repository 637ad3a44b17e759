"""The offline classifier's rule engine: evidence per rule family, then SPEC's priority.

``analyse`` collects evidence from a normalised comment (see ``offline_text``):

- **spam**: links, e-mails, phone numbers, channel/profile invitations, money schemes, sales,
  like-for-like requests, self-promotion (weights add up; 1.0 decides);
- **sugestão**: requests to the artist/label/venue (release, come to a city, add subtitles...);
- **dúvida**: genuine information-seeking questions, minus rhetorical ones and memes;
- **sentiment**: praise and criticism words with negation (``não gostei``), intensifiers
  (``muito``, ``demais``, shouting), diminishers, contrast (``..., mas ...`` weighs the clause
  after it more), idioms (``não canso de ouvir``), and who the words are aimed at: insults aimed
  at another listener are an argument (OUTRO), not criticism of the work;
- **outro**: memes (``quem tá vendo em 2013``), greetings, arguments between listeners, lyric
  quotes, spaced-out letters, faith statements not about the song.

``decide`` applies SPEC's priority for mixed comments: SPAM > SUGESTÃO > DÚVIDA > dominant
sentiment (CRÍTICA/ELOGIO) > OUTRO, and returns a raw *strength* plus the decision's ``Signals``
(how many cues fired, whether they conflict, whether OUTRO is only the default...), which the
classifier maps to a calibrated confidence.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from alumusic.classification import lexicon as L
from alumusic.classification.offline_text import Normalized, normalize, strip_accents

DECIDE = 1.0  # evidence needed for SPAM / SUGESTÃO / DÚVIDA
SENTIMENT_MIN = 0.5  # sentiment needed for ELOGIO / CRÍTICA

_CLAUSE_BREAK = frozenset({".", "!", "?", ";", ":"})
_COPULA = frozenset({"ser", "e", "sao", "foi", "ficou", "esta", "estao", "era", "eram", "fica", "muito", "voces", "voce",
                     "isso", "ela", "ele", "eles", "elas", "vcs"})
_SHOW_NOT_PRAISE_PREV = frozenset({"o", "um", "no", "do", "ao", "esse", "este", "seu", "sua", "fazer", "faz", "ter",
                                   "tem", "ver", "proximo", "primeiro", "ultimo", "meu", "nosso", "pro", "para", "de",
                                   "cade", "vai", "vao", "teve", "desse", "deste", "num", "algum"})
_SHOW_NOT_PRAISE_NEXT = frozenset({"em", "no", "na", "de", "do", "da", "ao", "dia", "aqui", "hoje", "amanha", "ontem",
                                   "ao vivo", "dela", "dele", "deles", "delas"})
_LISTENER_TARGET = re.compile(
    r" (comentario|comentarios|comentou|comenta|comentar|quem (nao gosta|nao gostou|critica|criticou|fala mal|falou|reclama|"
    r"nao curte|odeia|deu deslike|deu dislike)|os haters|esses haters|as pessoas|essas pessoas|esse povo|tem gente|"
    r"tem pessoas|gente que|beliebers|fas (do|da|de)|fanzinha|fanzinho|fa de|voces ficam|ficam falando|fica falando|"
    r"falando mal|o cara ai|a mina ai|ai em cima|la em cima|deslike|dislike|dislikes|deslikes|fas dele|fas dela|"
    r"fas deles|brigando|brigam|briga de|discutindo|discussao|(voce|tu) (e|eh|nem e) (fa|fan)|(sua|tua) opiniao|"
    r"mendigando|mendigar|pedindo joinha|pedir joinha|pedindo like|pedindo likes|hater|haters|fanzinha|fazinha|fazinho|querida|querido|recalque|recalcad[oa]s?) "
)
_LYRIC_RE = re.compile(r"\(\s?8\s?(\)|'|$)|[♪♫🎵🎶]")
_DIVINE_EXCLAMATION = re.compile(
    r"(?<!obrigado)(?<!obrigada)(?<!amo)(?<!louvado)(?<!gloria) (meu|ai meu|ai|oh|nossa|ave|pelo amor de|gracas a|se) (deus|senhor|jesus) ")
_VULGAR = frozenset({"merda", "bosta", "lixo", "ridiculo", "ridicula", "porcaria", "nojento", "nojenta", "idiotice",
                     "palhacada", "droga", "chato", "chata", "besteira", "bobagem", "vergonha", "odeio", "odeia"})
_CAP_SEQ = re.compile(r"(?<=[a-záéíóúâêôãõçà,] )((?:[A-ZÁÉÍÓÚÂÊÔÃÕ][a-záéíóúâêôãõç]+ ?){2,})")


def _proper_name_words(raw: str) -> set[str]:
    """Lower-cased words of capitalised multi-word names inside a sentence ("em Capão Bonito")."""
    words = raw.split()
    if not words:
        return set()
    rest = words[1:]
    capitalised = sum(1 for w in rest if w[:1].isupper())
    if not rest or capitalised / len(rest) > 0.5:  # Title Case Comments or shouting: capitals mean nothing
        return set()
    out: set[str] = set()
    for m in _CAP_SEQ.finditer(raw):
        out.update(strip_accents(w).lower() for w in m.group(1).split())
    return out


_INVITE_NAME = re.compile(
    r" (escutem|oucam|vejam|conhecam|procurem|pesquisem|assistam|sigam|confiram|prestigiem|apoiem)"
    r" (?:(?:o|a|os|as|ai|ae|la|tambem|agora|ja|no youtube|a banda|a dupla|o cantor|a cantora|o mc|o grupo) )*([a-z]+) ")
_KNOWN_WORDS = frozenset(L.vocabulary()) | frozenset(L.SLANG)
_COME_TO_PLACE = re.compile(
    r"\b(?:[Vv]em|[Vv]enha|[Vv]enham|[Vv]olta|[Vv]oltem|[Cc]ome)\s+(?:fazer\s+(?:um\s+)?show\s+)?(?:pra|para|a|em|no|na|pro|to)\s+"
    r"(?!Deus\b|Jesus\b|Senhor\b)[A-ZÁÉÍÓÚÂÊÔÃÕ][a-záéíóúâêôãõç]{2,}")
_SUBJECTS = frozenset({"que", "quem", "ele", "ela", "eles", "elas", "isso", "ninguem", "eu", "nos", "alguem", "sempre",
                       "ja", "voce", "voces", "tu", "so", "nunca", "onde", "quando", "porque", "galinha", "se"})
_HANDLE_RE = re.compile(r"(?<![\w.])@[a-z0-9_.]{3,}")
_QUESTION_SPAN = re.compile(r"(^ |[.!?] )(e |mas |gente |galera |alguem sabe |)(quando|qual|quais|onde|aonde|sera que|vai|vao|tem|teria|como)\b[^.!?]*\?")
_IMPERATIVE_START = frozenset({"lanca", "lancem", "faz", "facam", "faca", "grava", "gravem", "coloca", "coloquem", "bota",
                               "botem", "poe", "canta", "cantem", "toca", "toquem", "vem", "venham", "venha", "volta",
                               "voltem", "traz", "tragam", "posta", "postem", "legenda", "regrava", "libera", "solta",
                               "tira", "troca", "muda", "aumenta", "abaixa", "continua", "continuem", "please"})
_SHORT_ARG_OPENER = re.compile(r"^ (e|eh|pois|kkk|k|ah|ahh|ue|nossa|vei|mano|cara|ow|o|oh|affs?) ")
_EMPATHY = re.compile(r" (que do|q do|tadinho|tadinha|tadinhos|coitado|coitada|coitadinho|coitadinha|coitadinhos|"
                      r"judiacao|que pena|que dor|dor no coracao|da do|da dó|que triste|to triste|fiquei triste|"
                      r"com do|dando do) ")
_NON_PT = re.compile(r" (the|you|and|is|are|this|song|with|from|my|your|que es|eres|el|los|las|muy|pero|esto|como se|"
                     r"bu|ve|bir|cok|ich|und|das|nie|jest|jak|tak|toi|la musica) ")


@dataclass
class Hit:
    family: str  # spam, sugestao, duvida, elogio, critica, outro, injecao
    weight: float
    descricao: str  # short pt-BR description of the cue
    trecho: str  # canonical text that matched
    tag: str | None = None


@dataclass
class Evidence:
    norm: Normalized
    spam: float = 0.0
    sugestao: float = 0.0
    duvida: float = 0.0
    pos: float = 0.0
    neg: float = 0.0
    outro: float = 0.0
    argument: float = 0.0  # insults / attacks aimed at other listeners
    injection: bool = False
    music_target: bool = False
    hits: list[Hit] = field(default_factory=list)

    def add(self, family: str, weight: float, descricao: str, trecho: str, tag: str | None = None) -> None:
        self.hits.append(Hit(family, weight, descricao, trecho.strip(), tag))


@dataclass(frozen=True)
class Signals:
    """How much evidence stands behind a decision: what the calibration (and the learned layer)
    reads. None of these change the decision itself.

    - ``cues``: hits of the deciding family (for OUTRO: OUTRO cues; 0 when OUTRO is the default);
    - ``top_weight``: the heaviest of those hits (0.0 without any);
    - ``no_rule``: OUTRO by default, nothing at all fired (no hit, no evidence of any family);
    - ``weak``: decided by a single cue lighter than a decisive one (one praise word, one meme cue);
    - ``conflict``: another family has real evidence too (praise and criticism together, a
      question next to a request, sentiment under an OUTRO decision...);
    - ``rival``: the strongest competing evidence (same units as the rule weights);
    - ``n_tokens``, ``laughter``, ``question``: surface shape of the comment.
    """

    cues: int
    top_weight: float
    no_rule: bool
    weak: bool
    conflict: bool
    rival: float
    n_tokens: int
    laughter: bool
    question: bool


@dataclass(frozen=True)
class Decision:
    categoria: str
    strength: float  # raw score fed to the calibration (bigger = surer)
    evidence: Evidence
    reason: str  # pt-BR one-liner: which rule family decided
    signals: Signals


# --------------------------------------------------------------------------------------------
def _spam(ev: Evidence) -> None:
    n = ev.norm
    plain = n.plain
    if L.URL_RE.search(plain):
        m = L.URL_RE.search(plain)
        ev.spam += 1.2
        ev.add("spam", 1.2, "contém link", m.group(0), "spam_link")
    if L.EMAIL_RE.search(plain):
        m = L.EMAIL_RE.search(plain)
        ev.spam += 1.0
        ev.add("spam", 1.0, "contém e-mail de contato", m.group(0), "spam_venda")
    digits_only = re.sub(r"(?<=\d)[\s-]+(?=\d)", "", plain)
    if L.PHONE_RE.search(plain) or L.PHONE_RE.search(digits_only):
        m = L.PHONE_RE.search(plain) or L.PHONE_RE.search(digits_only)
        ev.spam += 0.9
        ev.add("spam", 0.9, "contém telefone", m.group(0), "spam_venda")
    # "ESCUTEM ALDYVINO FREIRE": a plural imperative pointing at a name the lexicons do not know
    for m in _INVITE_NAME.finditer(n.canon):
        name = m.group(2)
        if name not in _KNOWN_WORDS and not name.isdigit() and len(name) >= 3:
            ev.spam += 0.7
            ev.add("spam", 0.7, "recomenda um nome desconhecido", m.group(0), "spam_canal")
            break
    handle = _HANDLE_RE.search(n.plain)
    if handle:
        ev.spam += 0.35
        ev.add("spam", 0.35, "cita um perfil", handle.group(0), "spam_canal")
    seen_desc: set[str] = set()
    for pattern, weight, tag, desc in L.SPAM_RULES:
        matches = {m.group(0).strip(): m for m in pattern.finditer(n.canon)}
        if not matches or (desc, tag) in seen_desc:
            continue
        seen_desc.add(desc)
        # Ads pile up distinct money/sales words ("renda extra", "cadastro grátis", "franquia"):
        # each further distinct one adds half of the weight, up to three.
        k = min(len(matches), 3) if tag in ("spam_dinheiro", "spam_venda") else 1
        total = weight * (1 + 0.5 * (k - 1))
        first = next(iter(matches.values()))
        ev.spam += total
        ev.add("spam", total, desc, first.group(0), tag)
    # Long, shouted, exclamation-heavy messages are the usual shape of ads; only a booster.
    if ev.spam > 0 and len(n.tokens) > 40:
        ev.spam += 0.15
    if ev.spam > 0 and n.upper_ratio > 0.7 and n.n_letters > 25:
        ev.spam += 0.1
    # Inviting people to a link/channel while the rest is praise of this video is still spam;
    # but an imperative "vejam/escutem" alone next to praise of *this* song is not.
    only_weak = all(h.weight < 0.5 for h in ev.hits if h.family == "spam")
    if only_weak and re.search(r" (essa|esse|este|esta) (musica|video|clipe|louvor|hino|cancao) ", n.canon):
        ev.spam *= 0.5


def _suggestion(ev: Evidence) -> None:
    n = ev.norm
    best = 0.0
    questions = [q.span() for q in _QUESTION_SPAN.finditer(n.canon)]
    for pattern, weight, desc in L.SUGGESTION_RULES:
        m = pattern.search(n.canon)
        if m:
            # "quando lança o dvd?" asks for information; it is not a request
            if any(a <= m.start() < b for a, b in questions) and "por favor" not in m.group(0):
                weight *= 0.3
            # "a pessoa que canta a música", "ele faz vídeos": a verb with a subject is no request
            before = n.canon[: m.start()].split()[-1:] or [""]
            if before[0] in _SUBJECTS and m.group(0).split()[0] in L.ACTION_WORDS:
                weight *= 0.3
            ev.add("sugestao", weight, desc, m.group(0))
            best = max(best, weight)
            ev.sugestao += weight
    # "Paula vem em Lorena": come to a (capitalised) place
    place = _COME_TO_PLACE.search(n.raw)
    if place:
        ev.add("sugestao", 1.0, "pede show em uma cidade", strip_accents(place.group(0)).lower())
        best = max(best, 1.0)
        ev.sugestao += 1.0
    if ev.sugestao:
        ev.sugestao = best + 0.3 * (ev.sugestao - best)  # several cues: surer, but not additive
        # an imperative opening the comment is addressed to the artist ("lança logo...")
        if n.tokens and n.tokens[0] in _IMPERATIVE_START:
            ev.sugestao += 0.3
    # Requests addressed to another listener ("faz melhor então") are arguments, not suggestions.
    if ev.sugestao and re.search(r" (faz|faca|fazer) (melhor|igual|voce|vc) | se nao gostou | se nao gosta ", n.canon):
        ev.sugestao *= 0.4


def _question(ev: Evidence) -> None:
    n = ev.norm
    score = 0.0
    best = 0.0
    for pattern, weight, desc in L.QUESTION_RULES:
        m = pattern.search(n.canon)
        if m:
            ev.add("duvida", weight, desc, m.group(0))
            best = max(best, weight)
            score += weight
    if score:
        score = best + 0.25 * (score - best)
    has_q = n.questions > 0
    # A clause that opens with an interrogative and ends with "?" (the generic question shape).
    generic = re.search(r"(^ |[.!?,] )(e |mas |gente |galera |pessoal |alguem |oi |ola )?(qual|quais|quando|onde|aonde|quanto|quantos|quantas)\b[^.!?]*\?", n.canon)
    weak_generic = re.search(r"(^ |[.!?] )(como|quem|porque|por que|o que|sera que|cade|e possivel|pode|tem|vai|existe)\b[^.!?]*\?", n.canon)
    if generic:
        score += 0.8 if not score else 0.2
        ev.add("duvida", 0.8, "faz uma pergunta direta", generic.group(0))
    if has_q and score < 0.8:
        # a (yes/no or "como/quem") question about facts of the work, the artist or the show
        for clause in re.finditer(r"[^.!?]*\?", n.canon):
            text = clause.group(0)
            if (L.FACTUAL_CUES.search(text + " ") and len(text.split()) >= 3 and not L.OPINION_VERBS.search(text)
                    and max(ev.pos, ev.neg) < 0.8):  # "1 bilhão de views pra essa porcaria?"
                score = 0.8
                ev.add("duvida", 0.8, "pergunta factual", text)
                break
    if weak_generic and not score:
        score += 0.35
    if has_q:
        score += 0.2
    elif score and best < 1.1:
        score *= 0.75
    if score:
        if L.RHETORICAL.search(n.canon):
            score -= 0.8
        if ev.argument:
            score -= 0.5  # questions inside an argument between listeners are jabs
        if len(n.tokens) > 40:
            score *= 0.6  # long rants ask rhetorical questions
        if n.laughter:
            score -= 0.35
        if n.upper_ratio > 0.6 and n.exclamations >= 2:
            score -= 0.2
    ev.duvida = max(score, 0.0)


def _clauses(tokens: tuple[str, ...]) -> list[tuple[list[str], float, str]]:
    """Split into (clause, weight, terminator); after a contrast word a clause weighs more
    ("..., mas eu amo") and the conceded part before it less."""
    clauses: list[tuple[list[str], float, str]] = []
    current: list[str] = []
    weight = 1.0
    for tok in tokens:
        if tok in _CLAUSE_BREAK:
            if current:
                clauses.append((current, weight, tok))
            elif clauses and tok == "?":
                clauses[-1] = (clauses[-1][0], clauses[-1][1], "?")
            current = []
            continue
        if tok in L.CONTRAST:
            if current:
                clauses.append((current, weight * 0.6, ""))
            current = []
            weight = 1.4
            continue
        current.append(tok)
    if current:
        clauses.append((current, weight, ""))
    return clauses


def _sentiment(ev: Evidence) -> None:
    n = ev.norm
    canon = n.canon
    tokens = n.tokens
    ev.music_target = any(t in L.MUSIC_TARGETS for t in tokens) or " ao vivo " in canon
    shout = 1.15 if (n.upper_ratio > 0.6 and n.n_letters >= 6) or n.exclamations >= 2 else 1.0
    listener_target = bool(_LISTENER_TARGET.search(canon)) or any(
        pattern.search(canon) for pattern, _, desc in L.OUTRO_RULES if desc == "discussão entre ouvintes")
    proper = _proper_name_words(n.raw)
    lyric = bool(_LYRIC_RE.search(n.raw))
    # "meu deus", "graças a deus" are exclamations, not God as the subject
    exclamation_free = _DIVINE_EXCLAMATION.sub(" ", canon)
    for clause, cweight, terminator in _clauses(tokens):
        second_person = any(t in L.SECOND_PERSON for t in clause)
        asks_listener = second_person and terminator == "?"  # "vc é belieber e amou isso?"
        clause_text = " " + " ".join(clause) + " "
        divine = any(t in L.DIVINE for t in clause) and any(
            f" {t} " in exclamation_free for t in clause if t in L.DIVINE) and not _DIVINE_EXCLAMATION.search(clause_text)
        clause_music = any(t in L.MUSIC_TARGETS for t in clause)
        for i, tok in enumerate(clause):
            prev = clause[max(0, i - 3) : i]
            nxt = clause[i + 1] if i + 1 < len(clause) else ""
            before = clause[i - 1] if i else ""
            pos_w = L.POSITIVE.get(tok, 0.0)
            neg_w = L.NEGATIVE.get(tok, 0.0)
            ins_w = L.INSULTS.get(tok, 0.0)
            if not (pos_w or neg_w or ins_w):
                continue
            # context exceptions
            if tok in ("bom", "boa", "boas") and nxt in ("dia", "tarde", "noite", "sorte", "semana", "festa", "viagem", "pascoa"):
                continue
            if tok in ("show", "showw") and (before in _SHOW_NOT_PRAISE_PREV or nxt in _SHOW_NOT_PRAISE_NEXT or len(clause) > 6 and before not in ("muito", "e", "que", "mt", "ta", "ficou", "um", "tao", "mega", "super")):
                continue
            if tok == "demais" and i > 0 and (before in L.POSITIVE or before in L.NEGATIVE or before not in _COPULA):
                continue  # intensifier of the previous word, or "fala demais"
            if tok == "foda" and ("se" in (before, nxt)):
                continue
            if tok == "melhor" and nxt in ("eu", "voce", "vc", "tu", "ficar", "nao", "parar"):
                continue
            if tok in ("gosta", "gostam", "ama", "amam", "curte", "gostou", "amou", "curtiu", "adorou", "gostaram",
                       "curtiram", "adora", "adoram", "curti", "curto") and (
                    before in ("quem", "se") or (before == "nao" and i > 1 and clause[i - 2] == "quem")):
                pos_w *= 0.5 if "quem" in (before, clause[i - 2] if i > 1 else "") else 1.0
            if tok in ("curte", "curti", "curtam", "curtir") and "quem" in clause and tok == clause[-1]:
                continue  # "quem tá com o bebê no colo curte": like-bait, not praise
            if pos_w and before in ("minha", "meu") and tok in ("linda", "lindo", "lindinha", "lindinho", "princesa",
                                                                "fofa", "fofo", "fofinha", "fofinho", "gata", "gato"):
                pos_w *= 0.3  # a pet name: "minha lindinha assiste direto"
            if tok in ("gato", "gata", "gatos", "puta", "porco", "macaco", "bicha") and not second_person and ins_w:
                ins_w *= 0.5
            if pos_w and divine and not ev.music_target:
                continue  # "Deus é maravilhoso": faith, not praise of the song
            if tok in proper:
                continue  # part of a name: "Capão Bonito", "Belo Horizonte"
            if pos_w and asks_listener and not clause_music:
                continue
            if tok in ("fa", "fas") and second_person:
                continue  # "tu é fã dele e nem sabe...": about a listener
            mult = 1.0
            negated = False
            if tok == "gosto" and before in ("o", "um", "meu", "seu", "teu", "bom", "mau", "de", "dos", "do", "cada", "nosso", "sem"):
                continue  # the noun: "respeita o gosto dos outros"
            for j, p in enumerate(prev):
                if p in L.NEGATORS and not (p == "nada" and tok in ("melhor",)):
                    # "não é ruim", "nem um pouco bom"; "nada"/"sem" only right before the word
                    if p not in L.ADJACENT_ONLY_NEGATORS or j == len(prev) - 1:
                        negated = not negated
                elif p in L.INTENSIFIERS:
                    mult = max(mult, L.INTENSIFIERS[p])
                elif p in L.DIMINISHERS:
                    mult = min(mult, 0.6)
            if nxt in ("demais", "pra", "d"):
                mult = max(mult, 1.3)
            w_pos, w_neg = pos_w, max(neg_w, ins_w)
            if negated:
                w_pos, w_neg = w_neg * 0.5, w_pos * 0.8
            w_pos *= mult * cweight * shout
            w_neg *= mult * cweight * shout
            if ins_w and not negated and (second_person or listener_target):
                ev.argument += ins_w * cweight
                ev.add("outro", ins_w, "ataque a outro ouvinte", " ".join(clause[max(0, i - 2) : i + 2]))
                continue
            # Negativity in a clause aimed at "você"/other listeners and not at the music is an
            # argument between listeners ("vc é um escroto", "achou seu coração no lixo").
            if w_neg and (listener_target or (second_person and not clause_music)) and (
                    listener_target or ins_w or tok in _VULGAR):
                ev.argument += w_neg * 0.7
                continue
            window = " ".join(clause[max(0, i - 2) : i + 3])
            if w_pos:
                ev.pos += w_pos
                ev.add("elogio", w_pos, "negação de crítica" if negated else "vocabulário de elogio", window)
            if w_neg:
                ev.neg += w_neg
                ev.add("critica", w_neg, "elogio negado" if negated else "vocabulário de crítica", window)
    for pattern, weight in L.POSITIVE_IDIOMS:
        m = pattern.search(canon)
        if m and weight:
            ev.pos += weight * shout
            ev.add("elogio", weight, "expressão de elogio", m.group(0))
            # the negation inside the idiom must not count as criticism
            if re.search(r" (nao|nunca|nem|sem|nada) ", m.group(0)):
                ev.neg = max(0.0, ev.neg - 0.8)
    for pattern, weight in L.NEGATIVE_IDIOMS:
        m = pattern.search(canon)
        if m and weight:
            if listener_target and " vai " in m.group(0):
                ev.argument += weight
                continue
            ev.neg += weight * shout
            ev.add("critica", weight, "expressão de crítica", m.group(0))
    love = L.PERSONAL_LOVE.search(canon)
    if love:  # "te amo meu noivo": affection for someone, not praise of the work
        ev.pos = max(0.0, ev.pos - 1.3)
        ev.outro += 0.6
        ev.add("outro", 0.6, "declaração a alguém próximo", love.group(0))
    # A lone positive word inside a long text (a discussion, a story, a sermon) is not praise of
    # the work: sentiment is diluted by length beyond ~25 tokens.
    if len(tokens) > 25:
        dilution = (25 / len(tokens)) ** 0.5
        ev.pos *= dilution if ev.music_target else dilution * 0.7
        ev.neg *= dilution if ev.music_target else dilution * 0.8
    if lyric:  # a quoted lyric line ("(8)", "♪") carries the song's words, not the listener's
        ev.pos *= 0.3
        ev.neg *= 0.3
        ev.outro += 1.0
        ev.add("outro", 1.0, "citação de letra", "(8)")


def _outro(ev: Evidence) -> None:
    n = ev.norm
    for pattern, weight, desc in L.OUTRO_RULES:
        m = pattern.search(n.canon)
        if m:
            ev.outro += weight
            ev.add("outro", weight, desc, m.group(0))
    if _EMPATHY.search(n.canon):
        ev.outro += 0.5
        ev.add("outro", 0.5, "reação de pena/empatia", _EMPATHY.search(n.canon).group(0))
    if L.FAITH.search(n.canon) and not ev.music_target:
        ev.outro += 0.4
        ev.add("outro", 0.4, "fala de fé, não da música", L.FAITH.search(n.canon).group(0))
    if len(_NON_PT.findall(n.canon)) >= 2:
        ev.outro += 0.5
    if ev.argument:
        ev.outro += ev.argument
    if n.laughter and len(n.tokens) <= 4:
        ev.outro += 0.4
    if n.spaced_letters and ev.pos < SENTIMENT_MIN:  # "P O L A N D"
        ev.outro += 0.9
        ev.add("outro", 0.9, "letras soltas", n.canon)


def analyse(texto: str) -> Evidence:
    norm = normalize(texto)
    injection = L.INJECTION_RE.search(norm.plain)
    if injection:
        # Instructions inside the comment are data: drop them and analyse what is left.
        cleaned = L.INJECTION_RE.sub(" ", norm.plain)
        cleaned = re.sub(r"\b(elogio|critica|sugestao|duvida|spam|outro)\b", " ", cleaned)
        norm = normalize(cleaned) if cleaned.strip() else norm
        norm = dataclasses.replace(norm, raw=texto)
    ev = Evidence(norm=norm, injection=bool(injection))
    if injection:
        ev.add("injecao", 0.0, "instrução ao classificador ignorada", injection.group(0))
    _spam(ev)
    _sentiment(ev)
    _outro(ev)
    _suggestion(ev)
    _question(ev)
    return ev


_FAMILY = {"SPAM": "spam", "SUGESTÃO": "sugestao", "DÚVIDA": "duvida", "ELOGIO": "elogio", "CRÍTICA": "critica",
           "OUTRO": "outro"}


def _signals(categoria: str, ev: Evidence) -> Signals:
    family = _FAMILY[categoria]
    hits = [h for h in ev.hits if h.family == family]
    top_weight = max((h.weight for h in hits), default=0.0)
    competing = {"spam": ev.spam, "sugestao": ev.sugestao, "duvida": ev.duvida, "elogio": ev.pos, "critica": ev.neg,
                 "outro": ev.outro}
    competing.pop(family)
    if categoria in ("ELOGIO", "CRÍTICA"):
        competing.pop("critica" if categoria == "ELOGIO" else "elogio")
        rival = max(max(competing.values()), min(ev.pos, ev.neg))
    else:
        rival = max(competing.values())
    no_rule = not ev.hits and not any((ev.spam, ev.sugestao, ev.duvida, ev.pos, ev.neg, ev.outro, ev.argument))
    n = ev.norm
    return Signals(
        cues=len(hits),
        top_weight=round(top_weight, 4),
        no_rule=no_rule,
        weak=len(hits) == 1 and top_weight < DECIDE,
        conflict=rival >= 0.3,
        rival=round(rival, 4),
        n_tokens=len(n.tokens),
        laughter=n.laughter,
        question=n.questions > 0,
    )


def _decision(categoria: str, strength: float, ev: Evidence, reason: str) -> Decision:
    return Decision(categoria, strength, ev, reason, _signals(categoria, ev))


def decide(ev: Evidence) -> Decision:
    """SPEC's priority: SPAM > SUGESTÃO > DÚVIDA > dominant sentiment > OUTRO.

    The returned strength is the evidence for the chosen category minus what speaks against it
    (competing cues, length: long comments are discussions more often than verdicts); with the
    decision's ``Signals`` the classifier maps it to a calibrated confidence.
    """
    n_tokens = len(ev.norm.tokens)
    long_penalty = 0.3 * (n_tokens > 25) + 0.3 * (n_tokens > 50)
    if ev.spam >= DECIDE:
        return _decision("SPAM", ev.spam, ev, "sinais de spam")
    if ev.sugestao >= DECIDE:
        return _decision("SUGESTÃO", ev.sugestao - long_penalty - 0.3 * min(ev.spam, 1.0), ev, "pedido ao artista")
    if ev.duvida >= DECIDE:
        return _decision("DÚVIDA", ev.duvida - long_penalty - 0.3 * ev.norm.laughter - 0.3 * min(ev.spam, 1.0), ev,
                         "pergunta genuína")
    pos, neg = ev.pos, ev.neg
    top = max(pos, neg)
    business = max(ev.spam, ev.sugestao, ev.duvida)
    if top >= SENTIMENT_MIN and top > ev.outro * 0.6:
        if pos >= neg:
            cat, margin = "ELOGIO", pos - 0.8 * neg
        else:
            cat, margin = "CRÍTICA", neg - 0.8 * pos
        if margin > 0.15:
            # Sentiment competes with OUTRO cues (argument, meme, empathy) for the weakest cases.
            strength = margin - 0.5 * ev.outro - long_penalty - 0.3 * (business > 0.5)
            return _decision(cat, strength, ev, "sentimento dominante")
    # OUTRO: surest when nothing at all points elsewhere, or explicit chat/meme/argument cues.
    strength = 0.5 + ev.outro - 0.8 * top - 0.5 * business
    return _decision("OUTRO", strength, ev, "sem sinal de negócio")


def classify_text(texto: str) -> Decision:
    return decide(analyse(texto))
