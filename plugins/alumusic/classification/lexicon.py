"""Lexicons of the offline pt-BR classifier: words, slang, and the phrase patterns of each rule family.

Everything here is written by hand from how Brazilian listeners comment on songs, videos and
shows (short, informal, often without accents, with slang, laughter and shouting). Words are in
canonical form: lower case, no accents (``musica``, ``voce``, ``nao``); the normaliser maps typed
variants onto them (see ``offline_text``). Phrase patterns are regular expressions over the
canonical text, whose tokens are separated by single spaces and which starts and ends with a
space, so `` lind[oa] `` is a whole-word match.

Weights are "evidence units": 1.0 is enough on its own to decide a category, smaller values have
to add up. They were set by reasoning about each cue, then adjusted while reading comments.
"""

from __future__ import annotations

import re

# --------------------------------------------------------------------------------------------
# Slang, abbreviations and common misspellings -> canonical token(s).
SLANG: dict[str, str] = {
    "vc": "voce", "vcs": "voces", "voce": "voce", "vcc": "voce", "ce": "voce", "oce": "voce",
    "vo": "vou", "to": "estou", "tou": "estou", "tamo": "estamos", "tao": "tao",
    "ta": "esta", "tah": "esta", "tava": "estava", "tavam": "estavam", "tá": "esta",
    "q": "que", "qe": "que", "ke": "que", "k": "k", "oq": "o que", "oque": "o que", "qq": "qualquer",
    "pq": "porque", "pk": "porque", "porq": "porque", "pqe": "porque", "porquê": "porque",
    "mt": "muito", "mto": "muito", "mtt": "muito", "mtu": "muito", "muinto": "muito", "muitoo": "muito",
    "mutio": "muito", "mui": "muito", "mtos": "muitos", "mtas": "muitas", "mta": "muita", "muuito": "muito",
    "mts": "muitos", "mtaa": "muita",
    "tb": "tambem", "tbm": "tambem", "tbem": "tambem", "tmb": "tambem", "tambm": "tambem",
    "n": "nao", "naum": "nao", "nao": "nao", "nn": "nao", "ñ": "nao", "num": "nao",
    "s": "sim", "ss": "sim", "sm": "sim",
    "dmais": "demais", "dimais": "demais", "demaiss": "demais", "demai": "demais", "dms": "demais",
    "dmas": "demais", "dimai": "demais",
    "msc": "musica", "musc": "musica", "mucica": "musica", "muzica": "musica", "musga": "musica",
    "musika": "musica", "mussica": "musica", "muscia": "musica", "msica": "musica", "musicaa": "musica",
    "muscas": "musicas", "mucicas": "musicas", "muzicas": "musicas", "mscs": "musicas",
    "lgl": "legal", "legau": "legal", "lega": "legal", "leegal": "legal",
    "blz": "beleza", "obg": "obrigado", "obgd": "obrigado", "obgda": "obrigada", "vlw": "valeu",
    "td": "tudo", "tds": "todos", "hj": "hoje", "hje": "hoje", "agr": "agora", "agra": "agora",
    "mlk": "moleque", "mlks": "moleques", "vey": "vei", "veio": "veio", "mano": "mano",
    "kd": "cade", "qnd": "quando", "qdo": "quando", "qndo": "quando", "qnt": "quanto", "qto": "quanto",
    "qm": "quem", "qem": "quem", "kem": "quem", "ql": "qual", "qal": "qual", "cmg": "comigo",
    "ctg": "contigo", "msm": "mesmo", "mesmu": "mesmo", "vdd": "verdade", "vdade": "verdade",
    "sdds": "saudades", "sdd": "saudade", "saldade": "saudade", "saldades": "saudades", "saudadi": "saudade", "bjs": "beijos", "bj": "beijo",
    "bjss": "beijos", "bjos": "beijos", "pfv": "por favor", "pfvr": "por favor", "pf": "por favor",
    "plz": "please", "pls": "please", "add": "adiciona", "amu": "amo", "amoo": "amo",
    "lindu": "lindo", "lindah": "linda", "lindooo": "lindo", "linduu": "lindo", "lnda": "linda",
    "loko": "louco", "loco": "louco", "loka": "louca", "loca": "louca",
    "fofu": "fofo", "fofinhu": "fofinho", "perfeitu": "perfeito", "otimu": "otimo", "bao": "bom",
    "bonitu": "bonito", "gostooo": "gosto", "ador": "adoro", "adoroo": "adoro", "adooro": "adoro",
    "amei": "amei", "ameii": "amei", "amey": "amei", "adorey": "adorei", "adorei": "adorei",
    "massaa": "massa", "masa": "massa", "mara": "maravilhosa", "dahora": "da hora", "daora": "da hora", "dhora": "da hora", "mutho": "muito",
    "muitu": "muito", "muiito": "muito", "prifiro": "prefiro", "perfiro": "prefiro", "maravilindo": "maravilhoso",
    "pra": "para", "pro": "para o", "pras": "para as", "pros": "para os", "pa": "para",
    "nois": "nos", "noiz": "nos", "nóis": "nos", "eh": "e", "ehh": "e", "é": "e", "ai": "ai",
    "fdp": "filho da puta", "fdps": "filhos da puta", "pqp": "puta que pariu", "vsf": "vai se foder",
    "vtnc": "vai tomar no cu", "tnc": "tomar no cu", "vtmnc": "vai tomar no cu", "krl": "caralho",
    "krlh": "caralho", "caraio": "caralho", "karalho": "caralho", "crl": "caralho", "poha": "porra",
    "poxa": "poxa", "fuder": "foder", "fude": "foder", "fuderam": "foderam", "fudido": "fodido",
    "viadu": "viado", "veado": "viado", "viadinho": "viado", "bixa": "bicha",
    "xato": "chato", "xata": "chata", "xatu": "chato", "rdiculo": "ridiculo", "horrivelll": "horrivel",
    "orrivel": "horrivel", "orivel": "horrivel", "horivel": "horrivel", "horrivell": "horrivel",
    "pessimu": "pessimo", "ruin": "ruim", "ruimm": "ruim", "ruimmm": "ruim",
    "gnt": "gente", "gente": "gente", "galerinha": "galera", "pessoall": "pessoal",
    "inscrevam": "inscrevam", "inscrevao": "inscrevam", "iscrevam": "inscrevam", "increvam": "inscrevam",
    "iscreva": "inscreva", "increva": "inscreva", "inscreve": "inscreva", "inscrevem": "inscrevam",
    "escrevam": "inscrevam", "escreva": "inscreva",
    "canau": "canal", "kanal": "canal", "cnal": "canal", "vidio": "video", "vidiu": "video", "vdeo": "video",
    "vidios": "videos", "vedio": "video", "vedios": "videos", "videoo": "video", "clip": "clipe",
    "clipi": "clipe", "klipe": "clipe",
    "cancao": "cancao", "cansao": "cancao", "cancoes": "cancoes", "louvo": "louvor",
    "dnv": "de novo", "denovo": "de novo", "c": "com", "cm": "com", "p": "para", "d": "de",
    "tmj": "tamo junto", "sqn": "so que nao", "slk": "sei la", "sla": "sei la", "mds": "meu deus",
    "mdss": "meu deus", "ngm": "ninguem", "ninguen": "ninguem", "nd": "nada", "mn": "mano",
    "abencoe": "abencoe", "abenssoe": "abencoe", "abensoe": "abencoe", "abencoi": "abencoe",
    "abencuado": "abencoado", "abenssoado": "abencoado", "abensoado": "abencoado",
    "cantoura": "cantora", "cantor": "cantor", "brasiu": "brasil", "brazil": "brasil",
    "parabems": "parabens", "parabeins": "parabens", "parabenss": "parabens", "parabns": "parabens",
    "prbns": "parabens", "pbns": "parabens", "sensasional": "sensacional", "sencacional": "sensacional",
    "incrivio": "incrivel", "incrivell": "incrivel", "otma": "otima", "otmo": "otimo",
    "gostei": "gostei", "gosteii": "gostei", "gostu": "gosto", "curtii": "curti",
    "maneiroo": "maneiro", "manero": "maneiro", "manera": "maneira", "irado": "irado", "iradoo": "irado",
    "hiper": "super", "mega": "mega", "mo": "muito", "mó": "muito",
    "pow": "pow", "po": "pow", "poo": "pow", "vei": "vei", "velho": "velho",
    "tlgd": "ta ligado", "tlg": "ta ligado", "bglh": "bagulho", "bagui": "bagulho", "bgl": "bagulho",
    "vamo": "vamos", "bora": "vamos", "tipo": "tipo", "axo": "acho", "aki": "aqui", "aq": "aqui",
    "ki": "que", "ké": "que", "neh": "ne", "nem": "nem", "ninguem": "ninguem", "cd": "cd",
    "dvdzinho": "dvd", "ingreso": "ingresso", "ingresos": "ingressos", "lançamento": "lancamento",
    "lansamento": "lancamento", "lanssamento": "lancamento", "quamdo": "quando", "quado": "quando",
    "qaundo": "quando", "aonde": "onde", "ond": "onde", "cmo": "como", "komo": "como",
    "alguen": "alguem", "algem": "alguem", "alguem": "alguem", "algm": "alguem", "alg": "alguem",
    "nomi": "nome", "noome": "nome", "legendaa": "legenda", "lejenda": "legenda",
    "brigado": "obrigado", "brigada": "obrigada", "oii": "oi", "oie": "oi", "oiee": "oi", "olar": "ola",
    "hello": "hello", "helo": "hello", "wow": "uau", "uau": "uau", "uaul": "uau",
}

# --------------------------------------------------------------------------------------------
# Sentiment words: canonical token -> (weight, aspect hint). Negation flips them (see rules).
POSITIVE: dict[str, float] = {
    # beauty / perfection
    "lindo": 1.0, "linda": 1.0, "lindos": 1.0, "lindas": 1.0, "lindinho": 0.9, "lindinha": 0.9,
    "lindinhos": 0.9, "lindissimo": 1.2, "lindissima": 1.2, "lindeza": 1.0, "lindao": 0.9,
    "maravilhoso": 1.1, "maravilhosa": 1.1, "maravilhosos": 1.1, "maravilhosas": 1.1, "maravilha": 1.0,
    "perfeito": 1.1, "perfeita": 1.1, "perfeitos": 1.1, "perfeitas": 1.1, "perfeicao": 1.1,
    "bonito": 0.8, "bonita": 0.8, "bonitos": 0.8, "bonitas": 0.8, "bonitinho": 0.8, "bonitinha": 0.8,
    "bonitinhos": 0.8, "belo": 0.8, "bela": 0.8, "belos": 0.8, "belas": 0.8, "belissima": 1.1,
    "belissimo": 1.1, "fofo": 0.9, "fofa": 0.9, "fofos": 0.9, "fofinho": 0.9, "fofinha": 0.9,
    "fofinhos": 0.9, "fofura": 0.9, "gracinha": 0.8, "coisinha": 0.3, "lindinhas": 0.9,
    # love / like
    "amo": 1.0, "amei": 1.0, "amamos": 1.0, "amando": 0.9, "adoro": 1.0, "adorei": 1.0, "adora": 0.9,
    "adoram": 0.9, "adoramos": 1.0, "adorando": 0.9, "ama": 0.8, "amam": 0.8, "apaixonado": 0.9,
    "apaixonada": 0.9, "apaixonei": 1.0, "apaixonante": 1.0, "gosto": 0.8, "gostei": 0.9, "gosta": 0.6,
    "gostam": 0.6, "gostamos": 0.8, "adorou": 0.9, "amou": 0.9, "curtiu": 0.7, "gostou": 0.7, "adoraram": 0.9,
    "amaram": 0.9, "gostaram": 0.7, "curtiram": 0.7, "adorooo": 1.0, "amoou": 0.9, "curto": 0.8,
    "arrasou": 1.0, "arrasa": 0.9, "arrasando": 1.0, "arrasaram": 1.0, "arrasador": 1.0, "arrasadora": 1.0, "curti": 0.8, "curtindo": 0.7, "curte": 0.5,
    "viciado": 0.8, "viciada": 0.8, "viciei": 0.9, "viciante": 0.9, "amoo": 1.0, "amooo": 1.0,
    # quality
    "excelente": 1.1, "otimo": 0.9, "otima": 0.9, "sensacional": 1.1, "espetacular": 1.1,
    "fantastico": 1.1, "fantastica": 1.1, "incrivel": 1.0, "incriveis": 1.0, "magnifico": 1.1,
    "magnifica": 1.1, "fabuloso": 1.1, "fabulosa": 1.1, "divino": 1.0, "divina": 1.0, "demais": 0.7,
    "massa": 0.9, "maneiro": 0.9, "maneira": 0.6, "legal": 0.8, "legais": 0.8, "bom": 0.6, "boa": 0.5,
    "boas": 0.4, "bons": 0.5, "top": 0.9, "topp": 0.9, "irado": 0.8, "foda": 0.6, "fodastico": 1.0,
    "brabo": 0.7, "braba": 0.6, "zika": 0.6, "show": 0.6, "showw": 0.8, "melhor": 0.4, "melhores": 0.4,
    "genial": 1.0, "genio": 0.9, "obra": 0.2, "classico": 0.6, "inesquecivel": 0.9, "relaxante": 0.7,
    "contagiante": 0.9, "animada": 0.5, "animado": 0.5, "dancante": 0.6, "emocionante": 1.0,
    "arrepiante": 1.0, "arrepiei": 1.0, "arrepio": 0.8, "arrepia": 0.9, "emocionei": 0.9,
    "emociono": 0.8, "emociona": 0.9, "chorei": 0.4, "talento": 0.9, "talentoso": 1.0,
    "talentosa": 1.0, "talentosos": 1.0, "parabens": 1.0, "idolo": 0.9, "idola": 0.9, "diva": 0.8,
    "abencoado": 0.7, "abencoada": 0.7, "uncao": 0.6, "ungido": 0.5, "ungida": 0.5, "sucesso": 0.5,
    "gato": 0.4, "gata": 0.4, "gatos": 0.4, "gostoso": 0.5, "gostosa": 0.4, "delicia": 0.6,
    "agradavel": 0.7, "aveludada": 0.9, "afinada": 0.7, "afinado": 0.7, "mito": 0.5, "mitou": 0.7,
    "sublime": 1.1, "esplendido": 1.1, "impecavel": 1.1, "encantador": 1.0, "encantadora": 1.0,
    "encanta": 0.9, "encantou": 0.9, "fenomenal": 1.1, "estupendo": 1.1, "hit": 0.6, "hino": 0.6,
    "lindu": 1.0, "coracao": 0.3, "uau": 0.6, "fa": 0.5, "fas": 0.3, "orgulho": 0.7,
    # English / Spanish seen in comments on Brazilian videos
    "love": 0.9, "loved": 0.9, "amazing": 1.0, "awesome": 1.0, "beautiful": 1.0, "perfect": 1.0,
    "best": 0.7, "great": 0.8, "nice": 0.8, "cool": 0.7, "good": 0.6, "hermosa": 1.0, "hermoso": 1.0,
    "precioso": 0.9, "preciosa": 0.9, "bellisima": 1.0, "encanto": 0.7, "bueno": 0.6, "buena": 0.6,
    "guzel": 0.8, "favorita": 0.8, "favorito": 0.8, "favoritas": 0.8, "preferida": 0.8, "preferido": 0.8,
    "preferidos": 0.8, "preferidas": 0.8, "favoritos": 0.8, "bonitao": 0.8, "gatao": 0.6,
    "gatinho": 0.5, "gostosao": 0.5, "pirada": 0.5, "pirado": 0.5, "cabuloso": 0.7, "sinistro": 0.5,
    "engracado": 0.7, "engracada": 0.7, "engracadissimo": 0.9, "hilario": 0.9, "hilaria": 0.9, "epico": 0.8,
    "epica": 0.8, "eterno": 0.6, "eterna": 0.6, "arrepiar": 1.0, "combinou": 0.5, "combina": 0.4, "combinaram": 0.5,
    "fortalece": 0.6, "edifica": 0.7, "abencoa": 0.6, "insano": 0.6, "absurdo": 0.3, "caprichado": 0.8, "caprichada": 0.8, "impecaveis": 1.1,
}

NEGATIVE: dict[str, float] = {
    "ruim": 1.0, "ruins": 1.0, "pessimo": 1.1, "pessima": 1.1, "horrivel": 1.1, "horriveis": 1.1,
    "horroroso": 1.1, "horrorosa": 1.1, "terrivel": 1.0, "lixo": 1.0, "porcaria": 1.0, "merda": 0.8,
    "bosta": 0.9, "droga": 0.6, "chato": 0.8, "chata": 0.8, "chatice": 0.9, "chatos": 0.7,
    "enjoado": 0.8, "enjoada": 0.8, "enjoativa": 0.9, "enjoativo": 0.9, "enjoei": 0.9, "odeio": 1.0,
    "odiei": 1.0, "odeia": 0.6, "odio": 0.7, "detesto": 1.0, "detestei": 1.0, "nojo": 0.9,
    "nojento": 1.0, "nojenta": 1.0, "ridiculo": 0.9, "ridicula": 0.9, "ridiculos": 0.9,
    "vergonha": 0.6, "vergonhoso": 0.9, "fraco": 0.6, "fraca": 0.6, "feio": 0.8, "feia": 0.8,
    "feios": 0.8, "tosco": 0.8, "tosca": 0.8, "brega": 0.6, "cafona": 0.6, "irritante": 0.9,
    "insuportavel": 1.0, "desafinado": 1.0, "desafinada": 1.0, "desafina": 1.0, "desafinou": 1.0,
    "decepcao": 0.9, "decepcionado": 0.9, "decepcionada": 0.9, "decepcionante": 1.0, "decepcionou": 0.9,
    "pior": 0.8, "piores": 0.8, "plagio": 0.8, "copiou": 0.7, "podre": 0.9, "sofrivel": 1.0,
    "lamentavel": 0.9, "mediocre": 1.0, "patetico": 1.0, "patetica": 1.0, "cansativo": 0.8,
    "cansativa": 0.8, "estragou": 0.8, "estragaram": 0.8, "palhacada": 0.8, "besteira": 0.5,
    "bobagem": 0.5, "idiotice": 0.7, "tenebroso": 1.0, "tenebrosa": 1.0, "medonho": 1.0, "bizarro": 0.5,
    "esquisito": 0.5, "estranho": 0.4, "horrible": 1.0, "awful": 1.0, "sucks": 1.0, "hate": 0.9,
    "worst": 1.0, "boring": 0.8, "trash": 1.0, "zzz": 0.7, "sono": 0.4, "aff": 0.5, "afff": 0.5,
    "credo": 0.6, "eca": 0.7, "mico": 0.6, "fail": 0.7, "bomba": 0.3, "superestimado": 0.9,
    "superestimada": 0.9, "forcado": 0.6, "forcada": 0.6, "vulgar": 0.8, "baixaria": 0.8, "putaria": 0.5,
    "farsa": 1.0, "tortura": 0.7, "crap": 0.9, "shit": 0.8, "lame": 0.7, "inferior": 0.7, "cliche": 0.5, "sacanagem": 0.7, "dublou": 0.7, "dublando": 0.7, "playback": 0.6, "arrogante": 0.8, "preguica": 0.6,
    "grita": 0.5, "gritando": 0.5, "berra": 0.6, "berrando": 0.6, "gritaria": 0.6, "pobre": 0.4,
    "caro": 0.4, "caros": 0.4, "repetitiva": 0.7, "repetitivo": 0.7, "machista": 0.7, "apelativo": 0.7,
    "apelativa": 0.7, "desqualificada": 0.8, "desqualificado": 0.8, "modinha": 0.5, "musiquinha": 0.5, "barulho": 0.5,
}

# Insults: negative, and what decides between CRÍTICA (aimed at the artist/work) and OUTRO
# (aimed at another listener) is who they are addressed to, not the word itself.
INSULTS: dict[str, float] = {
    "idiota": 0.9, "idiotas": 0.9, "retardado": 0.9, "retardada": 0.9, "retardados": 0.9,
    "otario": 0.9, "otaria": 0.9, "otarios": 0.9, "imbecil": 0.9, "babaca": 0.9, "burro": 0.7,
    "burra": 0.7, "escroto": 0.9, "escrota": 0.9, "palhaco": 0.7, "vagabundo": 0.9, "vagabunda": 0.9,
    "puta": 0.6, "corno": 0.7, "viado": 0.8, "viadao": 0.8, "viadagem": 0.8, "biba": 0.6, "gay": 0.5,
    "bicha": 0.8, "boiola": 0.8, "baitola": 0.8, "lerdo": 0.7, "lerdos": 0.7, "analfabeto": 0.6,
    "recalque": 0.5, "recalcado": 0.6, "recalcada": 0.6, "invejoso": 0.6, "invejosa": 0.6,
    "hater": 0.4, "haters": 0.4, "ignorante": 0.6, "estupido": 0.8, "estupida": 0.8, "cretino": 0.9,
    "debil": 0.8, "mongol": 0.8, "trouxa": 0.7, "zé": 0.1, "fedelho": 0.8, "gayzao": 0.8, "faggot": 0.9, "fresco": 0.5,
    "frutinha": 0.7, "otaku": 0.1, "arrombado": 0.9, "arrombada": 0.9, "cuzao": 0.9, "desgracado": 0.9,
    "desgracada": 0.9, "nerd": 0.2, "fake": 0.5, "falso": 0.5, "falsa": 0.5, "bobo": 0.5, "boba": 0.5,
    "cusao": 0.9, "lixos": 0.9, "macaco": 0.6, "porco": 0.5,
}

NEGATORS = frozenset({"nao", "nem", "nunca", "jamais", "ninguem", "nada", "nenhum", "nenhuma", "sem"})
ADJACENT_ONLY_NEGATORS = frozenset({"nada", "sem"})  # negate only the word right after them
INTENSIFIERS: dict[str, float] = {
    "muito": 1.3, "muita": 1.3, "super": 1.3, "mega": 1.3, "tao": 1.3, "bem": 1.15, "demais": 1.3,
    "mais": 1.15, "simplesmente": 1.3, "extremamente": 1.4, "totalmente": 1.3, "absurdamente": 1.4,
    "mt": 1.3, "muitissimo": 1.4, "realmente": 1.2, "incrivelmente": 1.4, "que": 1.2, "so": 1.0,
    "sempre": 1.1, "hiper": 1.3, "ultra": 1.3, "bastante": 1.2, "mais que": 1.2, "tudo": 1.1,
}
DIMINISHERS = frozenset({"meio", "pouco", "razoavel", "quase"})
CONTRAST = frozenset({"mas", "porem", "contudo", "entretanto", "todavia"})

# Who a sentence talks to / about.
SECOND_PERSON = frozenset({"voce", "voces", "tu", "te", "teu", "tua", "seu", "sua", "contigo"})
MUSIC_TARGETS = frozenset({
    "musica", "musicas", "cancao", "cancoes", "som", "clipe", "clipes", "video", "videos", "voz", "letra",
    "louvor", "louvores", "hino", "hinos", "funk", "album", "cd", "dvd", "show", "shows", "banda", "dupla",
    "cantora", "cantor", "cantores", "cantoras", "artista", "ritmo", "melodia", "batida", "refrao",
    "parodia", "versao", "performance", "danca", "coreografia", "trio", "sertanejo", "rock", "pagode",
    "samba", "rap", "hit", "single", "acustico", "ao vivo", "canta", "cantando", "cantar", "canto",
    "interpretacao", "faixa", "arranjo", "composicao", "sertaneja", "gospel", "forro", "axe", "mpb",
})

# --------------------------------------------------------------------------------------------
# Phrase patterns. (regex over canonical text, weight, label for explanations)


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# Idioms whose surface has a negation or a negative word but whose meaning is praise.
POSITIVE_IDIOMS: tuple[tuple[re.Pattern[str], float], ...] = (
    (_p(r" (nao|nunca) (me )?(canso|cansa|cansarei|vou cansar|enjoo|enjoa) de (ouvir|ver|escutar|cantar|assistir)"), 1.3),
    (_p(r" (nao|nem) (consigo|consegue|paro|para|parei|conseguimos) (de |mais de )?(parar de )?(ouvir|ver|escutar|cantar|assistir|dancar)"), 1.2),
    (_p(r" (nao|nunca) (sai|saiu|sair|tira|tiro|consigo tirar) da (minha |nossa )?cabeca"), 1.1),
    (_p(r" (nao|nem) (tem|ha|existe|existem) (outra |outras )?(palavra|palavras|comparacao|igual|defeito|como nao (gostar|amar|curtir))"), 1.2),
    (_p(r" sem (palavras|defeitos|comparacao|igual) "), 1.1),
    (_p(r" nada (melhor|igual|mais lindo|mais bonito) "), 1.0),
    (_p(r" (melhor|mais linda|mais bonita|mais perfeita) (musica|cancao|voz|cantora|cantor|dupla|banda|clipe|video|louvor|hino|funk|parodia|versao|show|album|cd|dvd|feat|parceria|interpretacao|coreografia) "), 1.1),
    (_p(r" (um |o )?(dos|das) (melhores|mais lindos|mais lindas|mais belas) "), 1.0),
    (_p(r" (canta|cantam|cantou|danca|dancam|toca|tocam) (muito|demais|bem|pra caralho|pra caramba|d mais) "), 1.0),
    (_p(r" (me )?(toca|tocou|tocam|toca) (muito |fundo )?(no |o |meu )*(coracao|alma) "), 1.0),
    (_p(r" (show|shoow) de bola "), 1.1),
    (_p(r" (muito|mt|que|e|eh|ta|ficou|esta|foi|e um|simplesmente) show "), 0.9),
    (_p(r" (da|de) (hora|horaa) "), 0.9),
    (_p(r" (me )?amarro (muito )?(nessa|nesse|nela|nele|em) "), 1.0),
    (_p(r" (obra prima|obra de arte|pra caralho|do caralho|pra caramba) "), 0.6),
    (_p(r"(?<! nao)(?<! nem)(?<! tu)(?<! voce) (sou|somos|sao|e|eh|virei|viramos) (muito |super |mega |sua |seu |tua |teu |fa |um |uma |grande |grandes )*(fa|fas|fan|fans|fanzoca|fanatica|fanatico|fanaticos) "), 1.0),
    (_p(r" nao (amo|gosto|curto) ,? ?(eu )?(adoro|amo|venero|idolatro|sou apaixonad[oa]) "), 1.6),
    (_p(r" i love "), 1.0),
    (_p(r" (me )?(encanta|emociona|arrepia|acalma|conforta|anima) "), 0.8),
    (_p(r" (que|q) (saudade|saudades) "), 0.5),
    (_p(r" (muito|mt|mais|tao) (louco|louca) "), 0.8),
    (_p(r" (e|eh|sao|ficou) tudo "), 0.6),
    (_p(r" (deus|senhor) (te |lhe )?(abencoe|abencoa|ilumine) "), 0.5),
    (_p(r" (gloria|honra) a deus "), 0.3),
    (_p(r" (dou|daria) (nota )?(10|mil|1000) "), 0.9),
    (_p(r" (fiquei|ficou|fico) (muito |tao )?(arrepiado|arrepiada|emocionado|emocionada) "), 1.0),
    (_p(r" (melhor|melhores) (do|da|de) (mundo|universo|brasil|todos|todas|sempre|ano|planeta) "), 1.0),
    (_p(r" (ate que e|ate que ficou|ate que foi) (bom|boa|legal|bonito|bonita|engracado) "), 0.6),
    (_p(r" (nunca|jamais|nao) (erra|erram|errou|erraram|decepciona|decepcionam|decepcionou|falha|falham|falhou) "), 1.0),
    (_p(r"(^ |[.!,] )(que|q|nossa que|nossa q|caramba que|meu deus que|mds que|uau que|ai que) (letra|voz|musica|som|clipe|video|show|hino|louvor|cancao|melodia|interpretacao|talento|energia|producao|banda|dupla|dom|vozeirao|refrao|batida|beat|arranjo|coreografia|performance|espetaculo|obra|album|dvd|cd|mulher|cantora|cantor|artista|uncao|presenca|atitude|sonzeira|musicao)( (linda|perfeita|maravilhosa|boa|top|incrivel|foda|massa|abencoada|forte|pesada|gostosa))?( (esse|essa|desse|dessa|nesse|nessa|deste|desta) [a-z]+)?( [!.,]| $| meu deus| gente| mano| cara| vei| velho| socorro| k)"), 0.8),
    (_p(r" (nasceu|nasceram|nasci) (pra|para) (cantar|isso|tocar|brilhar|o palco|a musica) "), 1.0),
    (_p(r" (letra|musica|cancao|louvor) (fala|diz|traduz|expressa|resume) (tudo|o que eu sinto|exatamente) "), 0.9),
    (_p(r" (de|com) (qualidade|respeito) "), 0.5),
    (_p(r" (tocou|toca|mexeu|mexe) (comigo|fundo) "), 0.9),
    (_p(r"^ muito bem( [!.]| $)"), 0.7),
    (_p(r"^ (bravo|bravissimo|bravo bravo)( [!.]+)* $"), 1.0),
    (_p(r" isso (sim )?(que )?(e|eh|q se chama de|que se chama de|se chama|chama se) (musica|funk|som|arte|louvor|hino|cantora|cantor|voz|talento|rock|sertanejo|rap|samba) "), 1.0),
    (_p(r" (o|a|os|as) (melhor|melhores) "), 0.4),
    (_p(r" (morri|morrendo|rachei|rachando|chorei|chorando|cagando|mijando|rolando) (de |de tanto |de tanta )?(rir|rindo|risada|risadas) | de tanto rir "), 0.8),
    (_p(r" merece (o |meu |um |mais |todo o |todos os )?(like|likes|joinha|premio|premios|sucesso|views|visualizacoes|respeito|aplausos) "), 0.9),
    (_p(r" verdadeir[oa]s? (musica|sertanejo|sertaneja|funk|rock|samba|rap|louvor|arte|artista|cantora|cantor|hino|mpb|pagode) "), 0.9),
    (_p(r" (fez|faz|fazia) parte da (minha|nossa) (vida|infancia|historia|adolescencia|juventude) "), 0.9),
    (_p(r"(^ | e | eh | ficou | fica | sao | foi | muito | mil vezes | bem | bem mais | beem | e muito | ta | esta )(melhor|melhores) (que|do que|doque|q|dq|qe) "), 0.8),
)

# Idioms that mean criticism of the work or the artist.
NEGATIVE_IDIOMS: tuple[tuple[re.Pattern[str], float], ...] = (
    (_p(r" (nao|nunca) (sabe|sabem|soube) cantar "), 1.2),
    # "curto" is also "I enjoy": only its "short" sense after a linking word or intensifier.
    (_p(r" (show|shows|foi|ficou|e|eh|muito|mt|bem|tao|meio|durou|setlist|apresentacao) (muito |mt |tao |bem |meio )?curt[oa]s? "), 2.0),
    (_p(r" (canta|cantam|cantou) (muito |tao )?mal "), 1.1),
    (_p(r" (nao|nem) (canta|cantam) (nada|bem|porra nenhuma) "), 1.1),
    (_p(r" (nao|nunca|nem) (presta|prestou|prestam|vale a pena|tem talento|tem graca) "), 1.1),
    (_p(r" (sem graca|sem sal|sem talento|sem nocao|sem noção|mal feito|mal feita|mal gravado|vergonha alheia) "), 0.9),
    (_p(r" (ja foi|ja foram|era) (melhor|bom|boa|melhores) "), 0.7),
    (_p(r" (perdeu|perderam) (a |o )?(graca|essencia|rumo|talento|qualidade) "), 1.0),
    (_p(r" (que|q|essa|esse|isso|uma|um|e uma|e um|so) (merda|bosta|lixo|porcaria|droga|coco|caca) "), 0.6),
    (_p(r" (acabou|acabaram|estragou|estragaram|destruiu|destruiram|matou|mataram) (com )?(a |o )?(musica|cancao|carreira|clipe|video|infancia|original) "), 0.9),
    (_p(r" (nada a ver|tanto faz|mais ou menos) "), 0.3),
    (_p(r" (dor|sangrando|sangrar) (de|nos|no) (ouvido|ouvidos) "), 1.1),
    (_p(r" (cade|onde esta) (o|a) (talento|voz|musica) "), 0.7),
    (_p(r" (nao|nem) (aguento|aguenta|suporto|suporta) (mais )?(ouvir|essa|esse|ver) "), 0.9),
    (_p(r" (nao|nem) (aguento|aguenta|suporto|suporta) mais "), 0.6),
    (_p(r" (nao|nem) (e|eh) (musica|arte|cantora|cantor) "), 1.0),
    (_p(r" (vai|va) (se foder|tomar no cu|a merda|pro inferno|se lascar|se ferrar) "), 0.8),
    (_p(r" (foda se|se foda|se fode) "), 0.6),
    (_p(r" (toda|todas) (igual|iguais) "), 0.6),
    (_p(r" (playback|autotune|auto tune) "), 0.3),
    (_p(r" so (faz|fez|faria) sucesso (porque|pq|por ser|por causa|pela|pelo)| so (e famos[oa]|vende|aparece) (porque|pq|por ser|por causa) "), 1.0),
    (_p(r" (perdeu|perdeu todo|perdeu o|perdeu meu|perdeu nosso) (o |meu |nosso |todo )?respeito "), 0.9),
    (_p(r" parabens (pela|por) (coragem|ousadia|cara de pau) "), 1.4),
    (_p(r" parece (um |uma )?(gato|gata|cabra|bode|pato|taquara|porco|galinha|hiena|gralha|taquara rachada)( | sendo| morrendo| no cio| rachada)"), 1.6),
    (_p(r" (em vez|ao inves) de cantar "), 0.6),
    (_p(r" como (uma pessoa|alguem|voces|as pessoas|o povo|tem gente que|pode alguem|pode uma pessoa|e que alguem|e que as pessoas) (consegue|conseguem|pode|podem)? ?(achar|gostar|ouvir|curtir|escutar|chamar isso) "), 1.2),
    (_p(r" (quando|na epoca que|no tempo que|na epoca em que|no tempo em que) ([a-z]+ ){0,3}ainda (era|eram|fazia|faziam|cantava|cantavam) (legal|bom|boa|bons|musica boa|sucesso|engracado) "), 1.4),
    (_p(r" que (preguica|sono|tedio|vergonha|decepcao|chatice|horror) "), 0.6),
    (_p(r" (nao|nada|nem) (combinou|combina|combinaram|encaixou|encaixa|funcionou|funciona|rolou) "), 0.9),
    (_p(r" (letra|letras|rima|rimas|melodia|arranjo|producao|voz|clipe|roteiro) (pobre|pobres|fraca|fracas|vazia|vazias|rasa|rasas|preguicosa|generica|sem graca) "), 1.0),
    (_p(r" (saudade|saudades) (de |do tempo |da epoca )?(em que |que |quando )([a-z]+ ){0,3}(ainda )?(cantava|cantavam|fazia|faziam|era|eram|tocava|tocavam) (bem|bom|boa|bons|musica boa|sucesso|legal|engracado) "), 1.4),
    (_p(r" sem (ideia|ideias|criatividade|inspiracao|originalidade|sal|emocao|sentimento) "), 0.8),
    (_p(r" (falta de respeito|nao vou mais (assistir|ouvir|ver|seguir|comprar|escutar)|deixei de (ser fa|seguir|ouvir|gostar)) "), 0.9),
)

# Love for the people in one's life is not praise of the work ("amo muito meu noivo").
PERSONAL_LOVE = _p(
    r" (te amo|amo|adoro|amo muito|amo demais|te adoro) (muito |demais |tanto )?(\w+ )?(meu|minha|o meu|a minha) "
    r"(noivo|noiva|namorado|namorada|marido|esposa|amor|mae|pai|filho|filha|vo|avo|familia|bebe|irmao|irma|mozao|"
    r"gato|gata|vida|princesa|principe|amiga|amigo|melhor amiga|melhor amigo) "
)

# Words that make a "positive" word not about the work ("Deus é maravilhoso").
DIVINE = frozenset({"deus", "senhor", "jesus", "cristo", "pai", "espirito"})

# --------------------------------------------------------------------------------------------
# SPAM. Searched on ``plain`` (links, contacts) or ``canon`` (invitations, schemes).
URL_RE = re.compile(
    r"(https?\s*:\s*/\s*/|www\s*\.|\bw\s+w\s+w\b|\bh\s*t\s*t\s*p|youtu\.be|youtube\s?\.\s?com|\b(face|insta)\s?:?\s?/\s?[a-z0-9_.]{3,}|/watch\s*\?|watch\?v=|\?v=[\w-]{6,}"
    r"|\b[a-z0-9][a-z0-9-]{1,40}\s?\.\s?(com|net|org|info|biz|blog|blogspot|tv|me|ly|in|br|co|webnode|wix|site|online|xyz)\b(\s?\.\s?br)?"
    r"|\bbit\.ly|\bgoo\.gl|\btinyurl|\b(facebook|fb|instagram|twitter|orkut|tumblr|soundcloud|palcomp3|palco mp3)\s?(\.com)?\s?/\s?\w+"
    r"|\b(ponto|dot)\s+com\b)"
)
EMAIL_RE = re.compile(r"[a-z0-9._%+-]+\s?(@|\(at\)|\[at\]| arroba )\s?[a-z0-9-]+(\s?\.\s?[a-z]{2,4})+|[a-z0-9._-]+@(gmail|hotmail|yahoo|outlook|bol|uol|live|ig|terra)\b")
PHONE_RE = re.compile(r"(\(\s?0?\d{2}\s?\)\s?9?\d{4}[\s.-]?\d{4}|\b\d{2}\s?9?\d{4}-\d{4}\b|\b9?\d{4}-\d{4}\b|\b0?\d{10,12}\b)")

# (pattern, weight, tag code, pt-BR description used in explanations)
SPAM_RULES: tuple[tuple[re.Pattern[str], float, str, str], ...] = (
    # channel / video / profile invitations
    (_p(r" (meu|nosso|minha|nossa) (canal|canais|pagina|perfil|blog|site|facebook|face|insta|instagram|twitter|fanpage|banda|grupo|novo video|ultimo video|primeiro video|video|videos|clipe|trabalho|musica|cancao|som|composicao|cd|ep|single|album|projeto|loja) "), 0.55, "spam_canal", "divulga canal/trabalho próprio"),
    (_p(r" (se |nos )?(inscreva|inscrevam|inscrever|inscrevem|escreva se|increva|inscrevase|inscrevamse|subscribe|sub4sub|sigam|siga|segue|seguem|me sigam|sigam me) "), 0.7, "spam_canal", "pede inscrição/seguidores"),
    (_p(r" (acessem|acesse|acessa|acessar|visitem|visite|visita|entrem|entre|entra|passem|passa|passe|cliquem|clique|clica|confiram|confira|confere|conferam|conhecam|conheca|conhece|assistam|assista|vejam|veja|ve|olhem|olha|deem uma olhada|de uma olhada|da uma olhada|deem uma olhadinha|da uma olhadinha|de uma olhadinha|escutem|escute|ouvam|oucam|ouca|pesquisem|pesquise|procurem|procure|busquem|busque|digitem|digite|baixem|baixe|compartilhem|compartilhe|divulguem|divulgue|curtam|curta|votem|vote|ajudem|add|adiciona|adicionem|me adiciona|me add) "), 0.25, "spam_canal", "convida a ver outro conteúdo"),
    (_p(r" (no|em|ao|meu|nosso|seu|pelo|o|um|esse|lá no|la no|aqui no) (canal|channel) "), 0.45, "spam_canal", "cita um canal"),
    (_p(r" (entra|entrem|entre|passa|passem|passe|vai|vao|va|cola|colem|da um pulo|deem um pulo|visita|visitem|acessa|acessem|acesse|deem uma olhada|da uma olhada|de uma olhada|olhem|olha|veja|vejam|confiram|confira|conheca|conhecam|da uma passadinha|de uma passadinha|deem uma passadinha) (la |ai |aqui |tambem |ja )?(no |em |ao |o |a |na )?(meu|nosso|minha|nossa) (canal|perfil|blog|site|pagina|face|facebook|video|clipe|videos|insta|instagram|youtube|tiktok|twitter) "), 0.8, "spam_canal", "convida para canal/perfil"),
    (_p(r" (entrem|passem|visitem|acessem|acesse|visite|vejam|olhem|confiram|conhecam|deem uma olhada|cliquem|clique) (la |ai |aqui |tambem |ja )?(no|o|na|a) (canal|perfil|blog|site|pagina|link) "), 0.8, "spam_canal", "convida para canal/perfil"),
    (_p(r" (assista|assistam|veja|vejam|confira|confiram|ouca|oucam|escute|escutem|conheca|conhecam) (ao |o |a )?(video|clipe|canal|trabalho|musica|som|cancao|banda|dupla|cantor|cantora) (de|da|do|dos|das) "), 0.7, "spam_canal", "recomenda outro conteúdo"),
    (_p(r" (musicas|videos|covers|clipes|desenhos|animacoes|parodias|musica|video|cover|clipe|parodia|versao) que (eu |nos )?(fiz|fizemos|gravei|gravamos|compus|produzi|editei|postei|postamos) "), 0.5, "spam_canal", "divulga conteúdo próprio"),
    (_p(r" (clique|cliquem|clica|clicar|clicando) (no|em|aqui no) (meu|nosso) (nome|perfil|avatar|foto|icone) | (clique|cliquem|clica) na minha foto "), 0.9, "spam_canal", "convida para o próprio perfil"),
    (_p(r" (pedir|peco|pedimos|pedindo) (uma |a sua |sua |a |uma forca|uma ajudinha|ajuda)|(canto|cantamos|toco|tocamos) (sertanejo|funk|rap|gospel|rock|pagode|forro|mpb|samba|em bandas|na noite|em barzinho) "), 0.4, "spam_canal", "autopromoção de artista"),
    (_p(r" (veja|vejam|assista|assistam|confira|confiram|ouca|oucam|escute|escutem|conheca|conhecam|pesquise|pesquisem|procure|procurem|busque|busquem) (tambem|tbm|aqui|ai|no youtube|no google|la|esse|essa|o video|o clipe|a musica|a nova|o novo|a banda|a dupla|o cantor|a cantora|o canal|o grupo|o mc|a mc|minha|meu|nosso|nossa) "), 0.55, "spam_canal", "recomenda outro conteúdo"),
    (_p(r" (pesquise|pesquisem|procure|procurem|busque|busquem|digite|digitem) (no|pelo|la no|ai no|por) (youtube|google|yt|face|facebook) "), 0.9, "spam_canal", "pede busca por outro conteúdo"),
    (_p(r" (no youtube|aqui no youtube|aqui mesmo no youtube|no yt) "), 0.3, "spam_canal", "aponta para o YouTube"),
    (_p(r" (deem|da|de|dê|deixe|deixem|dar|deixa) (um |o |seu |uns )?(joinha|like|likes|gostei|curtir|curtida|curtidas|positivo) (aqui |ai |la )?(no|neste|nesse|em|pro|para o|no meu|nos meus) (meu |nosso )?(comentario|comentarios|video|videos|canal) "), 1.0, "spam_curtidas", "pede curtidas no próprio comentário/vídeo"),
    (_p(r" (para|pra|pro) (que )?(mais pessoas|todos|o comentario|meu comentario) (possam )?(ver|verem|subir|ficar em destaque|destacar|aparecer) "), 0.9, "spam_curtidas", "pede destaque para o comentário"),
    (_p(r" (destacar|destaque|subir) (o |meu |esse )?comentario "), 0.8, "spam_curtidas", "pede destaque para o comentário"),
    (_p(r" (curtam|curte|curtir|compartilhem|compartilhe|comentem|comente|curta) (e |,)?(compartilhem|compartilhe|comentem|se inscrevam|inscrevam|inscreva|divulguem)? ?(o |meu |nosso )?(video|videos|canal|trabalho|musica|pagina|clipe) "), 0.7, "spam_curtidas", "pede curtidas/compartilhamentos"),
    (_p(r" (inscrevo|sigo|curto) de volta | sub 4 sub | troca (de )?(inscritos|likes|inscricao) "), 1.0, "spam_curtidas", "troca de curtidas/inscrições"),
    (_p(r" (mais|muitas|muitos) (views|visualizacoes|exibicoes|inscritos|seguidores) "), 0.6, "spam_curtidas", "busca visualizações"),
    (_p(r" (aumentar|aumentem|ajudem a aumentar|ganhar) (o numero de |as |os |minhas |meus )?(views|visualizacoes|exibicoes|inscritos|seguidores|acessos) "), 0.9, "spam_curtidas", "busca visualizações"),
    # self-promotion of a would-be artist
    (_p(r" (eu )?(sou|somos) (um |uma )?(cantor|cantora|compositor|compositora|mc|dj|banda|dupla|produtor|rapper|musico|youtuber|vlogger) "), 0.35, "spam_canal", "autopromoção de artista"),
    (_p(r" (meu sonho e|sonho em|sonho de) (ser|seguir|virar|me tornar|gravar) "), 0.35, "spam_canal", "autopromoção de artista"),
    (_p(r" (lancei|gravei|postei|coloquei|pus|fiz|acabei de (lancar|gravar|postar)) (um |uma |o |a |meu |minha |outro |outra |uma nova |um novo )?(nova |novo )?(musica|cancao|video|clipe|cover|versao|som|single|cd|ep|trabalho|parodia) "), 0.45, "spam_canal", "divulga vídeo/música própria"),
    (_p(r" (musica|video|clipe|trabalho|cover|single|banda|dupla) (nova|novo) (do|da|de) (meu|minha|nosso|nossa) "), 0.4, "spam_canal", "divulga trabalho próprio"),
    (_p(r" (me da uma forca|me de uma forca|me deem uma forca|deem uma forca|me ajudem|me ajuda a|queria pedir (a )?(sua |a )?ajuda|preciso da (sua |ajuda|vossa)|ajude a divulgar|ajudem a divulgar|ajuda a divulgar|divulgar (o )?meu|so assim (pra|para) divulgar) "), 0.6, "spam_canal", "pede ajuda para divulgar/benefício próprio"),
    (_p(r" (doacao|doacoes|doem|doe|vaquinha|deposito|conta corrente|agencia|pix) "), 0.6, "spam_dinheiro", "pede dinheiro/doação"),
    # money schemes
    (_p(r" (ganhe|ganhar|faturar|fature|lucre|lucrar) (muito |de |ate |r |dinheiro|grana|renda|em casa|por semana|por dia|por mes|mensal|sem sair|trabalhando) "), 0.8, "spam_dinheiro", "promete ganho de dinheiro"),
    (_p(r" (renda extra|dinheiro facil|trabalhe em casa|trabalhar em casa|trabalho em casa|trabalhe de casa|conforto da sua casa|conforto de sua casa|home office|marketing multinivel|marketing de rede|mmn|franquia|franqueados|investimento|investindo|investir|cadastro e gratis|cadastre se|cadastrese|cadastro gratis|divulgadores|divulgador|ganhos|lucro|retorno financeiro|oportunidade de negocio|independencia financeira|telexfree|bbom|renda mensal|seja um distribuidor|revendedor|revendedora) "), 0.9, "spam_dinheiro", "esquema de dinheiro/renda extra"),
    (_p(r" (r|u) \d+ | reais | dolares | por semana | por mes | mensais | por dia "), 0.35, "spam_dinheiro", "cita valores em dinheiro"),
    (_p(r" (sorteio|sorteando|promocao|concorra|concorrer|premio|premios|gratis|gratuito|de graca|cupom|desconto|oferta) "), 0.3, "spam_venda", "oferta/sorteio"),
    # sales
    (_p(r" (vendo|vendemos|venda|vendas|compre|comprem|encomende|encomendas|orcamento|orcamentos|entregamos|entrega|entregas|frete|atacado|varejo|loja|lojas|produtos|produto|servicos|servico|fabricamos|personalizad[oa]s?|confeccao|lembrancinhas|distribuidor|clientes|atendimento|comercial|whatsapp|whats|zap|wpp|skype|telefone|contato|ligue|liguem) "), 0.3, "spam_venda", "oferta comercial"),
    (_p(r" (estou|estamos|fico|ficamos) (a |à )?(disposicao) | qualquer duvida (estou|estamos|entre|me chama) | entre em contato | entrem em contato | chame | chama no "), 0.6, "spam_venda", "convite a contato comercial"),
    # audience address typical of spam openings
    (_p(r"^ (ola|oi|oii|e ai|eai|fala|salve|atencao|pessoal|galera|gente|amigos|amados|amadas|irmaos|povo|brasileiros|queridos)( ,| !| \.)? (galera|gente|pessoal|a todos|amigos|do sertanejo|do brasil|tudo bem|tudo bom)?"), 0.15, "spam_canal", "abordagem ao público"),
    (_p(r" (galera|pessoal|amados|amigos|gente|povo|galerinha) "), 0.1, "spam_canal", "abordagem ao público"),
    (_p(r" (sigam|siga|segue|seguem|curtam|curte|curta) (a |o |minha |nossa |meu |nosso )?(pagina|perfil|canal|conta|insta|instagram|page|fanpage|twitter|tiktok) "), 0.9, "spam_canal", "pede seguidores para página/perfil"),
    (_p(r" (no|na|nas|pelo|pela) (insta|instagram|face|facebook|tiktok|kwai|twitter|spotify|deezer|plataformas digitais|plataformas|apple music|soundcloud|palco mp3) "), 0.3, "spam_canal", "aponta para outra plataforma"),
    (_p(r" me chama( no| na| inbox| pv| $| [!.,])| chama no (zap|whats|whatsapp|direct|privado|pv|inbox|dm) | me chame | fale comigo | fala comigo | manda (mensagem|msg|inbox|dm|direct) | chama (inbox|na dm) "), 0.6, "spam_venda", "convite a contato privado"),
    (_p(r" (chegar|bater|alcancar|atingir) (a |aos |em |nos |os )?\d+ (mil )?(inscritos|views|seguidores|likes|visualizacoes) "), 1.0, "spam_curtidas", "busca inscritos/visualizações"),
    (_p(r" (faco|fazemos|posto|postamos|gravo|gravamos) (covers|cover|videos|parodias|musicas|vlogs|aulas|lives|react|reacts) "), 0.45, "spam_canal", "divulga conteúdo próprio"),
    (_p(r" (meu|nosso) comentario "), 0.45, "spam_curtidas", "fala do próprio comentário"),
    (_p(r" (para|pra) (ele |o comentario |meu comentario |o meu comentario )?(subir|ir para o topo|ficar no topo|aparecer|ser visto) "), 0.6, "spam_curtidas", "pede destaque para o comentário"),
    (_p(r" (votem|vote) (no|na|em|pelo|pela|nele|nela|para|pra) | ajudem (o |a )?(meu|minha|nosso|nossa) "), 0.6, "spam_canal", "pede votos/ajuda para benefício próprio"),
    (_p(r" (veja|vejam|assista|assistam|confira|confiram|ouca|oucam|escute|escutem|pesquise|pesquisem|procure|procurem|conheca|conhecam|siga|sigam|prestigiem|apoiem|baixe|baixem) (tambem |agora |ja )?(a banda|a dupla|o cantor|a cantora|o grupo|o mc|a mc|o dj|a dj|o trabalho|o canal|o novo|a nova|o podcast|a pagina|o perfil|o clipe do|o clipe da|o video do|o video da|a musica do|a musica da|os meninos|as meninas|o projeto) "), 0.9, "spam_canal", "recomenda outro artista/conteúdo"),
    (_p(r" (veja|vejam|assista|assistam|confira|confiram|ouca|oucam|escute|escutem|conheca|conhecam) tambem "), 0.8, "spam_canal", "recomenda outro conteúdo"),
    (_p(r" (quer saber como|funciona mesmo|nao e golpe|nao e piramide|comprovado|100 por cento garantido|resultado garantido) "), 0.4, "spam_dinheiro", "promessa de ganho"),
    (_p(r" (ouca|oucam|assista|assistam|baixe|baixem|acesse|acessem|clique|cliquem) (agora|ja|aqui) | cadastre se ja "), 0.5, "spam_canal", "chamada publicitária"),
    (_p(r" (invista|invistam|receba|emprestimo|credito facil|consignado|spc|serasa|nome sujo|rifa|bitcoin|cripto|forex|apostas|cassino|day trade|trader|pix) "), 0.6, "spam_dinheiro", "esquema de dinheiro"),
    (_p(r" (ganhe|ganhar|fature|faturar|lucre|lucrar) (\w+ ){0,3}(reais|r \d+|dinheiro|grana|dolares|por semana|por dia|por mes|por indicacao|mensais) "), 0.8, "spam_dinheiro", "promete ganho de dinheiro"),
    (_p(r" (ganho|ganha|ganhei|ganhando|faturei|faturo|lucrei) (\w+ ){0,3}(reais|r \d+|dinheiro|grana|dolares|por semana|por dia|por mes|por indicacao|mensais) "), 0.5, "spam_dinheiro", "relata ganho de dinheiro"),
    (_p(r" (visite|visitem|acesse|acessem|conheca|conhecam|entre|entrem) (o |a |no |na )?(nosso|nossa|meu|minha) (site|loja|pagina|canal|blog|servidor|empresa|perfil|grupo|comunidade) | (venha|venham) nos conhecer | fique por dentro "), 0.9, "spam_canal", "convida para site/loja próprios"),
    (_p(r" (divulgue|divulguem|divulga|compartilhe|compartilhem|curta|curtam|veja|vejam|assista|assistam|ouca|oucam|escute|escutem|conheca|conhecam) (o |a )?(meu|minha|nosso|nossa) (video|videos|musica|musicas|canal|trabalho|clipe|cover|pagina|som|banda|projeto|cd|ep|single) "), 1.0, "spam_canal", "pede divulgação do próprio trabalho"),
    (_p(r" (veja|vejam|confira|confiram|clique|cliquem|acesse|acessem|assista|assistam) aqui | (divulgue|divulguem|compartilhe|compartilhem) (em|nas|no|pelas|pelo) (suas |seu |seus )?(redes sociais|face|facebook|grupos|whatsapp|insta) "), 0.8, "spam_canal", "chamada publicitária"),
    (_p(r" (sugiro|recomendo|indico|aconselho) (que |a |pra |para )?(voce |voces |vcs |vc |todos |a todos )?(visite|visitem|ouca|oucam|escute|escutem|acesse|acessem|veja|vejam|assista|assistam|conheca|conhecam|procure|procurem|pesquise|pesquisem|sigam|siga|baixe|baixem) "), 1.0, "spam_canal", "recomenda outro conteúdo"),
    (_p(r" (digite|digitem|pesquise|pesquisem|procure|procurem|busque|busquem) (.{0,50})(no|in|pelo|na) (google|youtube|yt|face|facebook|insta|instagram) "), 0.9, "spam_canal", "pede busca por outro conteúdo"),
    (_p(r" (gostaria|queria|peco) (muito )?(que )?(voces |vcs |todos |galera |voce |vc )?(ouvissem|escutassem|vissem|assistissem|conhecessem|curtissem|conferissem|acessassem|visitassem|dessem uma olhada|se inscrevessem|ouvisse|escutasse|visse|conhecesse|desse uma olhada) "), 0.8, "spam_canal", "pede audiência para trabalho próprio"),
    (_p(r"^ (bom dia|boa tarde|boa noite|ola|oi|oii|e ai|fala galera|fala)?( [!,.])* ?(meu nome e|me chamo|eu sou o|eu sou a|sou o|sou a) "), 0.3, "spam_canal", "apresenta-se ao público"),
    (_p(r" (suscribete|suscribanse|suscribir|mira mis videos|mis videos|mi canal|subscribe to my|check out my|my channel) "), 0.9, "spam_canal", "convida para canal"),
    (_p(r" (nao perca|nao percam|imperdivel|corre|corram|vem conferir|venha conferir|vale a pena (ver|conferir|assistir)|sem compromisso|clique aqui|link abaixo|link na descricao|link no perfil) "), 0.5, "spam_canal", "chamada publicitária"),
)

# --------------------------------------------------------------------------------------------
# SUGESTÃO: asks the artist/label/venue/channel to do something.
_ACTION = (
    r"(faz|faca|facam|fazer|fazerem|fizesse|fizessem|grava|grave|gravem|gravar|gravasse|gravassem|"
    r"lanca|lance|lancem|lancar|lancasse|lancassem|coloca|coloque|coloquem|colocar|colocasse|bota|bote|botem|"
    r"botar|poe|ponha|ponham|canta|cante|cantem|cantar|cantasse|toca|toque|toquem|tocar|tocasse|traz|"
    r"traga|tragam|trazer|trouxesse|volta|volte|voltem|voltar|voltasse|continua|continue|continuem|"
    r"disponibiliza|disponibilize|disponibilizar|posta|poste|postem|postar|legenda|legendar|legende|traduz|"
    r"traduza|traduzir|regrava|regravar|regrave|libera|libere|liberar|sobe|suba|subir|mostra|mostre|mostrar|"
    r"repete|repita|repetir|marca|marque|marcar|manda|mande|mandar|inclui|inclua|incluir|chama|chame|chamar|"
    r"convida|convide|convidar|troca|troque|trocar|muda|mude|mudar|melhora|melhore|melhorar|tira|tire|tirar|"
    r"aumenta|aumente|aumentar|abaixa|abaixe|diminui|diminua|diminuir|arruma|arrume|arrumar|corrige|corrija|corrigir)"
)
ACTION_WORDS = frozenset(_ACTION.strip("()").split("|"))

# Imperative / present forms only: an infinitive or a past subjunctive alone ("a ideia de fazer um
# funk", "se ele fizesse um show") is not a request.
_ACTION_IMP = "(" + "|".join(
    w for w in _ACTION.strip("()").split("|") if not re.search(r"(r|rem|sse|ssem)$", w)
) + ")"
_OBJECT = (
    r"(musica|musicas|cancao|cancoes|cd|cds|dvd|dvds|album|albuns|clipe|clipes|video|videos|show|shows|turne|"
    r"tour|parceria|parcerias|feat|dueto|legenda|legendas|letra|letras|traducao|versao|versoes|remix|acustico|"
    r"cover|covers|sequencia|parte 2|parte dois|segunda parte|continuacao|ep|single|louvor|louvores|hino|hinos|funk|som|sons|playlist|"
    r"live|turne|apresentacao|coletanea|karaoke|cifra|cifras|instrumental|audio|volume|som|ingresso|ingressos|"
    r"data|datas|trilha|making of|bastidores|vinil|musica nova|dublagem|arranjo|refrao|figurino|cenario|tom|final|"
    r"repertorio|setlist|horario|local|autotune|efeito|efeitos|playback|mixagem|estilo|letra)"
)
PLACES = (
    r"(brasil|portugal|angola|sp|sao paulo|rio|rj|rio de janeiro|bh|belo horizonte|minas|mg|bahia|salvador|"
    r"recife|pernambuco|fortaleza|ceara|manaus|amazonas|belem|para|curitiba|parana|porto alegre|rs|floripa|"
    r"florianopolis|santa catarina|sc|goiania|goias|brasilia|df|natal|joao pessoa|paraiba|maceio|alagoas|"
    r"aracaju|sergipe|teresina|piaui|sao luis|maranhao|campo grande|cuiaba|mato grosso|vitoria|es|espirito santo|"
    r"palmas|tocantins|porto velho|rondonia|macapa|amapa|boa vista|roraima|rio branco|acre|campinas|santos|"
    r"londrina|uberlandia|ribeirao preto|sorocaba|juiz de fora|nordeste|norte|sul|interior|lisboa|porto|"
    r"minha cidade|nossa cidade|minha terra|meu estado|nosso estado|minha regiao|nossa regiao)"
)
SUGGESTION_RULES: tuple[tuple[re.Pattern[str], float, str], ...] = (
    (_p(r" " + _ACTION_IMP + r" (mais |um |uma |outro |outra |outros |outras |logo |de novo |novamente |a |o |as |os |essa |esse |esta |este |estas |estes |uns |umas |sua |seu |suas |seus |nova |novo |alguma |algum |uma nova |um novo |mais uma |mais um |logo o |logo a |logo um |logo uma |a proxima |o proximo |o proximo |pelo menos uma |tambem )*(nova |novo )?" + _OBJECT + r" "), 1.0, "pede novo conteúdo/ação"),
    (_p(r" (gostaria|gostariamos|queria|queriamos|quero|queremos|adoraria|adorariamos|amaria|espero|esperamos|tomara|torco|torcemos|sonho|peco|pedimos|imploro) (muito |tanto |demais )?(que|q) (voce|voces|ele|ela|eles|elas|a banda|a dupla|o grupo|o cantor|a cantora|o canal|a gravadora|a produtora|vcs|[a-z]+ )?(fizesse|fizessem|faca|facam|lance|lancem|lancasse|lancassem|grave|gravem|gravasse|gravassem|viesse|viessem|venha|venham|voltasse|voltassem|volte|voltem|cantasse|cantassem|cante|cantem|tocasse|tocassem|toque|toquem|colocasse|colocassem|coloque|coloquem|postasse|postassem|poste|postem|fizesse|continuasse|traduzisse|legendasse|regravasse|disponibilizasse|incluisse|trouxesse|trouxessem|tragam|traga|mudasse|repetisse|chamasse|liberasse) "), 1.1, "expressa pedido ao artista"),
    (_p(r" (gostaria|gostariamos|queria|queriamos|quero|queremos|adoraria|espero|esperamos) (muito |tanto )?(de )?(ver|ouvir|escutar|ter) (mais |um |uma |outro |outra |o |a |voces |voce |vcs |ele |ela |eles )*(musica|musicas|cd|dvd|album|clipe|clipes|video|videos|show|shows|parceria|dueto|versao|acustico|remix|legenda|cover|ao vivo|turne|live|louvor|louvores|hino|feat|juntos|cantando|cantar|tocando|aqui|no brasil|em) "), 1.0, "expressa desejo de novo conteúdo"),
    (_p(r" (vem|venha|venham|vinde|volta|volte|voltem|vai|va|passa|passe|passem|come) (fazer (um |uma )?(show|shows|turne|apresentacao) )?(para|a|ao|em|no|na|aqui em|pra|to|estou|pro|pelo|pela) (o |a )?(interior de |interior do |capital |cidade de )?" + PLACES + r" "), 1.1, "pede show em uma cidade"),
    (_p(r" (vem|venha|venham|vinde|volta|volte|voltem) (fazer (um |uma )?(show|shows|turne|apresentacao) )?(para|a|ao|em|no|na|pra|pro) [a-z]+ "), 0.7, "pede show em um lugar"),
    (_p(r" (show|shows|turne|tour|apresentacao) (em|no|na|aqui|pelo|pela|por) " + PLACES + r" (por favor|please|plis|pf|!|logo|tambem|pelo amor de deus|urgente)"), 1.0, "pede show em uma cidade"),
    (_p(r" (deveria|deveriam|devia|deviam|podia|podiam|poderia|poderiam|precisa|precisam) (fazer|lancar|gravar|cantar|tocar|vir|colocar|por|botar|trazer|mudar|continuar a fazer|investir|regravar|legendar|traduzir|disponibilizar|postar|chamar|incluir|dar|fazerem|lancarem|gravarem|voltarem|virem|colocarem|tirar|melhorar|arrumar|corrigir|aumentar|abaixar|gravarem|fazer mais|lancar mais|trocar|voltar a) "), 1.0, "sugere uma ação"),
    (_p(r" (tem que|tinha que|tinham que|devem|deve|tem q) (fazer|lancar|gravar|colocar|botar|trazer|voltar a|legendar|traduzir|postar|disponibilizar) (mais |um |uma |o |a |outro |outra |logo |de novo )*" + _OBJECT + r" "), 1.0, "sugere uma ação"),
    (_p(r" seria (muito |tao |mais |super )?(bom|legal|otimo|lindo|top|massa|perfeito|incrivel|interessante|maravilhoso|show|demais|bacana|uma boa|uma otima|uma ideia|melhor) (ter|um|uma|ver|ouvir|fazer|lancar|colocar|gravar|uma versao|um feat) "), 1.0, "sugere uma ideia"),
    (_p(r" seria (muito |tao |mais |super )?(bom|legal|otimo|lindo|top|massa|perfeito|incrivel|interessante|maravilhoso|show|demais|bacana|melhor) se (voce|voces|vc|vcs|ela|ele|eles|elas|a banda|a dupla|o cantor|a cantora|o canal)? ?(lancasse|lancassem|fizesse|fizessem|viesse|viessem|cantasse|cantassem|gravasse|gravassem|colocasse|colocassem|tivesse|tivessem|voltasse|voltassem|tocasse|tocassem|postasse|postassem|legendasse|traduzisse) "), 1.0, "sugere uma ideia"),
    (_p(r" (por favor|please|plis|plz|pelo amor de deus|pfvr|imploro) ,? ?(" + _ACTION_IMP + r"|vem|venha|venham|volta|voltem|come|make|release) "), 0.9, "faz um pedido"),
    (_p(r" " + _ACTION_IMP + r" (.{0,40})(por favor|please|plis|pelo amor de deus) "), 0.9, "faz um pedido"),
    (_p(r" (cade|kd|onde esta|onde estao) (o |a |os |as )?(legenda|legendas|traducao|letra|cd|dvd|album|clipe|show|turne|parte 2|continuacao|musica nova|versao|acustico|remix) "), 0.7, "cobra conteúdo"),
    (_p(r" (come (to|estou)|please come|come back (to|estou)|venha ao|vem ao|vem pro|vem para o|vem pra o|volta pro|volta para o|venham ao|venham para o|venham pro) (brasil|brazil|portugal|nordeste|sul|norte|rio|sp) "), 1.2, "pede show no país/região"),
    (_p(r" (mais|outras|outros) (musicas|clipes|videos|louvores|hinos|parcerias|shows|cds|albuns|funks|parodias) (assim|como essa|como esse|iguais|desse tipo|desse estilo|com ele|com ela|juntos|por favor) "), 0.5, "pede mais conteúdo"),
    (_p(r" (espero|esperamos|tomara) (que )?(voce |voces |vc |vcs |ela |ele |eles )?(goste de vir|gostem de vir|venha|venham|possa vir|possam vir|volte|voltem|apareca|aparecam) (a |ao |para |pra |pro |em |no |na |aqui|visitar|fazer|cantar|conhecer)"), 1.0, "convida o artista a vir"),
    (_p(r" (minha |uma )?(sugestao) (e|eh|:|para|pra|seria) | sugiro (que )?(voce |voces |vc |vcs |a banda |a dupla )?"), 1.0, "dá uma sugestão"),
    (_p(r" (fica|ficaria|ficava) (a |uma |como )?(dica|sugestao) | (minha |uma )?dica (e|eh|:|para|pra|seria) "), 0.6, "dá uma dica"),
    (_p(r" (faltou|falta|faltando) (a |o |uma |um )?(legenda|traducao|letra|musica|show|data|cidade|parte) "), 0.5, "aponta o que falta"),
    (_p(r" (volta|voltem|volte|retorna|retornem) (a|as|ao|para|pra) (cantar|tocar|fazer|gravar|ativa|ativas|origens|estrada|palcos|banda) "), 1.0, "pede a volta do artista"),
    (_p(r" (queremos|quero|queria|gostaria de|gostariamos de|queriamos) (mais |um |uma |outro |outra |o |a |muito |tanto )*(novo |nova )?(musica|musicas|cd|dvd|album|clipe|clipes|show|shows|parceria|legenda|turne|louvores|funk|hino|hinos|feat|dueto|acustico|live|versao|remix|ep|single) "), 1.0, "pede novo conteúdo"),
    (_p(r" (nao|nunca) (deixem|deixe|deixa|esquecam|esqueca) de (fazer|lancar|gravar|cantar|tocar|vir|voltar|colocar|trazer|postar|incluir|passar) "), 1.0, "faz um pedido"),
    (_p(r" (anuncia|anunciem|confirma|confirmem|divulga|divulguem) (logo )?(a |o |as |os )?(data|datas|turne|show|shows|lancamento|agenda) "), 1.0, "pede anúncio de datas"),
)

# --------------------------------------------------------------------------------------------
# DÚVIDA: a genuine question seeking information.
_Q_OBJECT = (
    r"(musica|cancao|som|funk|louvor|hino|instrumento|marca|programa|filme|novela|ritmo|danca|album|cd|dvd|"
    r"clipe|video|versao|cantor|cantora|banda|dupla|guitarra|violao|roupa|vestido|lugar|cidade|local|ano|"
    r"data|dia|horario|hora|idade|nome|titulo|estilo|genero|letra|programa|app|aplicativo|efeito|tom|acorde|"
    r"acordes|cifra|trilha|menina|menino|moca|mulher|homem|garota|garoto|ator|atriz|dancarina|dancarino|"
    r"personagem|figurante|praia|musica de fundo|batida|beat|sample)"
)
QUESTION_RULES: tuple[tuple[re.Pattern[str], float, str], ...] = (
    (_p(r" (qual|quais|q|que|como) (e |eh |era |sera |foi |seria )?(o |a |os |as )?(nome|titulo|nomes) "), 1.2, "pergunta o nome"),
    (_p(r" como (e que |que )?(se )?(chama|chamam|chamava) "), 1.2, "pergunta o nome"),
    (_p(r" (alguem|quem|algm) (ai |aqui )?(sabe|souber|sabia|saberia|pode me (dizer|falar|explicar|informar|ajudar|responder)|me (diz|fala|explica|informa|ajuda|responde)|conhece|tem (o|a) (link|letra|cifra|nome)) "), 1.1, "pede informação a alguém"),
    (_p(r" (qual|que|q|quais|de que|em que) (e |eh |era |foi )?(a |o |essa |esse |esta |este )?" + _Q_OBJECT + r" (e |eh |era |foi |toca |tocou |que toca |que tocou |que aparece |que ela usa |que ele usa |usada |usado |do |da |de |no |na |essa |esse |desse |dessa |deste |desta |em |ela |ele |aos |tocando |de fundo |\? )"), 1.0, "pergunta sobre a obra"),
    (_p(r" quem (canta|cantou|compos|compoe|escreveu|fez|produziu|dirigiu|toca|tocou|e a|e o|eh a|eh o|e essa|e esse|era a|era o|sao os|sao as)( |\?)"), 0.9, "pergunta quem"),
    (_p(r" (onde|aonde) (eu |que |a gente |da para |da pra |posso |consigo |poderia |podemos |vende |vendem |foi |fica |sera |vai ser |e o |e a |encontro |acho |baixo |compro |assisto |ouco |tem |vai ter |vai |foram |eles |ela |ele )(\w+ )?(\w+ )?"), 0.8, "pergunta onde"),
    (_p(r" quando (vai|vao|sai|saira|saem|lanca|lancam|lancara|sera|e o|e a|eh o|tem|tera|chega|chegam|comeca|comecam|volta|voltam|vem|vira|virao|estreia|estreou|foi lancad|foi gravad|foi feit|ela vai|ele vai|eles vao|voce vai|voces vao|teremos|teria|sai o|sai a) "), 0.9, "pergunta quando"),
    (_p(r" (vai|vao|vai ter|vao ter|tera|terao|teremos|tem|existe|existem|havera|ha) (show|shows|turne|tour|dvd|cd|album|clipe|ingresso|ingressos|versao|legenda|letra|cifra|parte 2|continuacao|acustico|remix) "), 0.6, "pergunta se haverá algo"),
    (_p(r" (aconteceu|acontece|so acontece|ta acontecendo) (so )?(comigo|com voces|com mais alguem) | (impressao|e impressao) (minha|so minha) ou | (mais alguem|alguem mais) (ai )?(ouviu|percebeu|reparou|notou|viu|esta com|ta com|teve) "), 0.9, "pergunta se outros notaram"),
    (_p(r" (o que|oque|q) (significa|quer dizer|signifca|ele quis dizer|ela quis dizer|ele disse|ela disse|ela fala|ele fala|ele falou|ela falou|eles falam|ela canta|ele canta|diz a letra|e isso|e aquilo|foi isso) "), 0.8, "pergunta o significado"),
    (_p(r" (qual|quais) (o |a |e o |e a )?(significado|sentido|mensagem|idade|ano|data|link|tamanho|preco|valor|instrumento|tom|afinacao|tecnica|programa|app) "), 0.9, "pergunta um dado"),
    (_p(r" quanto(s)? (custa|custou|custam|e o|e a|ta o|ta a|esta o|sai o|anos|tempo|dias|vale|e|ganha|ganhou|vendeu) "), 0.8, "pergunta quanto"),
    (_p(r" (como|onde) (eu )?(faco|faz|fazer|baixo|baixar|consigo|conseguir|aprendo|aprender|toco|tocar|canto|cantar|compro|comprar|assisto|assistir|acho|achar|encontro|encontrar) (para |pra |o |a |essa |esse |isso |essa musica|esse som|a musica|o cd|o dvd|ingresso|a letra|a cifra)?"), 0.7, "pergunta como"),
    (_p(r" (em|de) (que|qual) (ano|album|cd|dvd|filme|novela|programa|lugar|cidade|show|epoca|data|dia) "), 1.0, "pergunta um dado"),
    (_p(r" (a |as )?(que|q) (dia|horas|hora|data|ano|idade) (e |eh |sera |vai |foi |sai |lanca |comeca |tem |abre |abrem |termina |acaba )?"), 0.9, "pergunta quando"),
    (_p(r" (ela|ele|eles|elas) (e|eh|sao) (casad[oa]s?|solteir[oa]s?|irm[aã]os?|namorados?|de onde|brasileir[oa]s?|americano|americana|portugues|portuguesa) "), 0.5, "pergunta sobre o artista"),
    (_p(r" (tem|teria|existe) (como|jeito|algum jeito|alguma forma) (de )?"), 0.5, "pergunta se é possível"),
    (_p(r" (alguem|algm) (tem|teria|conhece|sabe|poderia|pode) "), 0.6, "pergunta aos ouvintes"),
    (_p(r" (me )?(tira|tirem) (uma|essa) duvida | (tenho|fiquei com|estou com|to com) (uma )?duvida | (minha )?duvida (e|eh|:) "), 1.0, "declara uma dúvida"),
)
# A yes/no question ("essa música tem versão em espanhol?") is genuine when it is about facts of
# the work, the artist or the show.
FACTUAL_CUES = _p(
    r" (versao|versoes|disponivel|spotify|deezer|plataformas|turne|show|shows|ingresso|ingressos|meia entrada|"
    r"gravado|gravada|gravaram|gravou|lancad[oa]|lancamento|lanca|lancam|album|cd|dvd|casad[oa]|namorando|"
    r"transmitido|transmitida|transmissao|legenda|legendado|letra|cifra|original|remix|cover|autoral|compos|"
    r"compositor|escreveu|idade|nome|ao vivo|playback|dublado|vai ter|vai sair|sai|clipe|musica|cantora|"
    r"cantor|banda|dupla|portoes|horario|data|local|cidade|estadio|gravadora|produtor|vinil|fa clube)( |\?)"
)
OPINION_VERBS = _p(r" (acho|acha|achei|acham|achou|axo|concorda|concordam|prefere|preferem|gosta|gostam|ama|amam) ")
INTERROGATIVES = frozenset({"qual", "quais", "quando", "onde", "aonde", "como", "quanto", "quantos", "quantas",
                            "quem", "porque", "cade", "sera"})

# Rhetorical questions and memes: questions that are not seeking information.
RHETORICAL = _p(
    r" (quem|qm) (mais |ainda |tambem |ai |aqui |ja )*(esta|ta|estava|tava|vai|veio|esta aqui|ta aqui|que esta|que ta)? ?(vendo|ouvindo|assistindo|escutando|vendu|viu|ouviu|assistiu|escutou|cantando|dancando|aqui) "
    r"| (quem|qm) (mais |ai |aqui |tambem )*(acha|achou|gosta|gostou|ama|amou|curte|curtiu|concorda|odeia|prefere|e|veio|ve|lembra|chorou|sentiu|adora|adorou|nao|ja|sabe cantar|canta|dancou|danca|quer|vai) .*(joinha|like|jóia|joia|positivo|curti|curte|gostei) "
    r"| (da|de|deem|dá|dar|deixa|deixem) (um |uma |o |seu )?(joinha|jóinha|joia|like|positivo|gostei|curtida) "
    r"| (quem|qm) (e|eh|for|é) (brasileiro|brasileira|do brasil|de portugal|fa|fan|da|do|de) "
    r"| (ne|neh|ein|hein|ta|né|nao e|nao eh|ou nao|sera|serio|jura|ta bom|eim|hem) \? "
    r"| (por que|porque|pq|pra que|para que|sera que) (voce|voces|tu|vc|ce|ninguem|tanta|tanto|isso|esse povo|essas pessoas|as pessoas|o povo|a gente|tem gente|ele|ela) "
    r"| (e dai|i dai|e ai|ue|que isso|como assim|serio mesmo|oi) \? "
    r"| (e dai|i dai) | (tem a ver|tem haver|tem nada a ver) com "
    r"|(^ |[.!?] )(voce |vc |tu )?(sabe|sabia|sabem) quando | ate onde vai "
    r"| (so eu|apenas eu|somente eu) (que )?(acho|achei|acha|penso|sinto|percebi|notei|gosto|amo|choro|chorei) "
    r"| (vc|voce|voces|tu) (e|eh|acha|achou|sabe|viu|ja|nao|gosta|tem|e um|e uma|quer|vai|ta|esta|nem|ouviu|sabia|fala|falou) "
)

# --------------------------------------------------------------------------------------------
# OUTRO: cues that a comment is chat, memes, arguments, greetings or quotes.
OUTRO_RULES: tuple[tuple[re.Pattern[str], float, str], ...] = (
    (_p(r" (quem|qm) (mais |ainda |tambem |ai |aqui )*(esta|ta|estava|tava|que esta|que ta)? ?(vendo|ouvindo|assistindo|escutando|aqui) (em |no |dia |hoje|ano |agora|esse ano|depois|ate )"), 1.0, "meme de data"),
    (_p(r" (em|no ano de|ano) (19|20)\d\d | (19|20)\d\d (da|de|deem|dá) "), 0.5, "meme de data"),
    (_p(r" (da|de|deem|dá|dar|deixa) (um |uma |o )?(joinha|jóinha|joia|like|positivo) "), 0.5, "pede joinha (meme)"),
    (_p(r" (quem|qm) (e|eh|for) (brasileiro|brasileira|do brasil|de portugal|br) "), 0.9, "meme de nacionalidade"),
    (_p(r"^ (oi|ola|oii|bom dia|boa tarde|boa noite|hello|hi|hey|e ai|salve)( gente| galera| pessoal| todos| a todos)?( [!.?])* $"), 0.9, "saudação"),
    (_p(r" (bom dia|boa tarde|boa noite|feliz natal|feliz ano novo|feliz aniversario|happy birthday|parabens pra voce) "), 0.3, "saudação/felicitação"),
    (_p(r" (meu|minha) (filho|filha|filhos|filhas|neto|neta|netinho|netinha|sobrinho|sobrinha|irmao|irma|irmazinha|irmaozinho|prima|primo|priminha|priminho|bebe|bb|namorado|namorada|marido|esposa|mae|pai|vo|avo) "), 0.15, "relato pessoal"),
    (_p(r" (sou|eu sou) (de|do|da) [a-z]+ "), 0.3, "conversa"),
    (_p(r" (kkk|rs|haha|hehe|lol)+ "), 0.2, "risada"),
    (_p(r" (vai estudar|vai lavar|vai trabalhar|vai arrumar|volta pra escola|volte para a escola|arruma o que fazer|arrume o que fazer|vai procurar|cala a boca|cala boca|fica quieto|fica quieta|se enxerga|respeita|respeite|aprende a escrever|aprenda a escrever|aprende a ler|aprenda a ler|sabe ler|saber ler|nao tem o que fazer|nao tem nada pra fazer|para de falar|pare de falar|para de encher|para de reclamar|deixa de ser|ninguem (te )?perguntou|ninguem quer saber|ninguem liga|e dai) "), 0.9, "discussão entre ouvintes"),
    (_p(r" (se nao gosta|se nao gostou|se nao curte|se nao curtiu|nao gostou nao assiste|nao gosta nao assiste|se nao gosta nao|porque clicou|pq clicou|por que clicou|porque assistiu|pq assistiu|por que assistiu|pra que assistiu|pra que veio|entao porque|entao pq|veio aqui|vem aqui|ta aqui|esta aqui) "), 0.8, "discussão entre ouvintes"),
    (_p(r" (fim do mundo|apocalipse|illuminati|satanismo|satanico|satanica|mensagem subliminar|mensagens subliminares|maconha|politica|dilma|lula|bolsonaro|governo|pt |protesto|protestos|copa|futebol|corinthians|flamengo|palmeiras|sao paulo fc|vasco|gremio|santos fc) "), 0.4, "assunto fora da música"),
)

# Religious statements that are about faith, not the song (OUTRO unless the song is praised).
FAITH = _p(r" (deus|senhor|jesus|cristo|espirito santo|biblia|igreja|pastor|oracao|salmo|amem|aleluia|gloria a deus|fe) ")

# --------------------------------------------------------------------------------------------
# Prompt-injection attempts: instructions to the classifier hidden in a comment. They are data:
# the span is removed before the sentiment rules run, and never moves the label by itself.
INJECTION_RE = _p(
    r"(ignore|ignora|ignorem|ignorar|desconsidere|desconsidera|esqueca|esquece|esqueça|ignore all|ignore previous|disregard|forget)"
    r"[^.!?\n]{0,80}?(instrucoes|instrucao|regras|regra|prompt|comandos|ordens|instructions|rules|anterior|anteriores|previous|acima|sistema)"
    r"|(classifique|classifica|classificar|classify|rotule|marque|marca|categorize|responda|responde|retorne|retorna|output|answer|label)"
    r"[^.!?\n]{0,60}?(como|as|com|isso como|este comentario como|esse comentario como|categoria|json|elogio|critica|spam|outro|sugestao|duvida|confianca)"
    r"|(voce e|voce agora e|you are now|act as|aja como|finja|system|sistema|assistant|assistente|admin|desenvolvedor|developer)\s?:"
    r"|\b(categoria|confianca|tags_funcionalidades|classificacao)\s?[:=]"
    r"|[{}<>]\s?(system|categoria|role|/?s)\b"
)

# --------------------------------------------------------------------------------------------
# Tags: aspect cues -> taxonomy code, with the pt-BR name of the aspect used in explanations.
# The first matching rule of a code wins; order within the list matters for overlapping cues.
TAG_RULES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (_p(r" (desafin\w*|afinad[oa]s?|afinacao|fora do tom|sem afinacao|canta mal|cantam mal|erra o tom|errou o tom|semitom) "), "voz_afinacao", "a afinação"),
    (_p(r" (autotune|auto tune|efeito na voz|efeitos na voz|voz robotica|voz de robo|vocoder) "), "feat_autotune", "o autotune"),
    (_p(r" (agudo|agudos|potencia|folego|alcance vocal|vozeirao|gogo|que voz|grave|graves|notas altas|nota alta|extensao vocal|soltou a voz) "), "voz_potencia", "a potência vocal"),
    (_p(r" (voz|vozes|timbre|vocal|cantando|canta|canto|cantar) "), "voz_timbre", "a voz"),
    (_p(r" (legenda|legendas|legendado|traducao|traduzir|traduzida|traduz|letra na descricao|cifra|cifras) "), "letra_legenda", "a legenda/tradução"),
    (_p(r" (mensagem|significado|sentido da letra|a letra (diz|fala)|o que (ela|ele) (esta |ta )?(fala|falando|diz|dizendo|canta)|verdade|me conforta|traduz tudo|fala (a )?verdade|ensinamento|reflexao) "), "letra_mensagem", "a mensagem da letra"),
    (_p(r" (letra|letras|rima|rimas|poesia|poema|composicao|compositor|compositora|versos|escrita) "), "letra_qualidade", "a letra"),
    (_p(r" (melodia|refrao|grudent\w*|chiclete|nao sai da (minha )?cabeca|gruda|melodico) "), "musica_melodia", "a melodia"),
    (_p(r" (ritmo|batida|batidao|dancante|da vontade de dancar|balanco|swing|groove|beat|dancar) "), "musica_ritmo", "o ritmo"),
    (_p(r" (arranjo|arranjos|instrumento|instrumentos|guitarra|violao|bateria|piano|sanfona|teclado|solo|violino|saxofone|sax|baixista|guitarrista|baterista|orquestra|instrumental) "), "musica_arranjo", "o arranjo"),
    (_p(r" (plagio|copia|copiou|copiaram|originalidade|original|cover|imita|imitacao|igualzinha|igualzinho|parecida com|parecido com|remix|versao) "), "musica_originalidade", "a originalidade"),
    (_p(r" (audio|qualidade do som|mixagem|volume|som baixo|som alto|chiado|som ruim|audio ruim|microfone estourado|som estourado) "), "producao_audio", "a qualidade do áudio"),
    (_p(r" (feat|parceria|dueto|os dois juntos|os tres|esses tres|esses 3|os 3|trio|participacao|junto com|juntos|a dupla|essa dupla) "), "feat_participacao", "a parceria"),
    (_p(r" (historia|roteiro|enredo|final do clipe|final do video|o clipe conta|sentido do clipe|narrativa) "), "clip_narrativa", "a narrativa do clipe"),
    (_p(r" (fotografia|cenario|cenarios|cores|efeitos|efeitos visuais|visual|imagens|paisagem|paisagens|gravacao do clipe|lugar do clipe) "), "clip_visual", "o visual do clipe"),
    (_p(r" (coreografia|coreografias|danca|dancando|dancarin[oa]s?|passinho|passinhos|dancam|dancou) "), "clip_coreografia", "a coreografia"),
    (_p(r" (roupa|roupas|figurino|vestido|cabelo|look|maquiagem|fantasia|fantasias) "), "clip_figurino", "o figurino"),
    (_p(r" (hd|1080p|720p|4k|resolucao|qualidade do video|qualidade da imagem|imagem ruim|edicao|pixelad[oa]|video ruim|baixa qualidade|high quality) "), "clip_qualidade_video", "a qualidade do vídeo"),
    (_p(r" (ingresso|ingressos|esgotou|esgotado|esgotados|bilheteria|camarote|pista premium|meia entrada) "), "show_ingresso", "os ingressos"),
    (_p(r" (show curto|show foi curto|foi muito curto|foi curto|atraso|atrasou|atrasado|duracao|durou pouco|durou|show longo|horas de show) "), "show_duracao", "a duração do show"),
    (_p(r" (setlist|repertorio|nao tocou|nao cantou|tocou a|cantou a|tocar a|cantar a|toca a|canta a) "), "show_setlist", "o setlist"),
    (_p(r" (som do show|som ao vivo|som estava|som tava) "), "show_som", "o som do show"),
    (_p(r" (palco|organizacao|seguranca|estrutura|estacionamento|fila|lotado|empurra empurra|banheiro|banheiros) "), "show_estrutura", "a estrutura do show"),
    (_p(r" (show|shows|turne|tour|agenda|apresentacao|vem para|vem a|venha para|venha a|venham para|come to) "), "show_agenda", "a agenda de shows"),
    (_p(r" (ao vivo|presenca de palco|performance|no palco|apresentacao ao vivo|live) "), "show_performance", "a performance ao vivo"),
    (_p(r" (lancamento|lancar|lanca|lancem|lance|lancou|lancado|lancada|novo cd|novo album|cd novo|album novo|musica nova|nova musica|proximo cd|proximo album|data de lancamento|estreia) "), "album_lancamento", "o lançamento"),
    (_p(r" (capa|encarte|arte do album|arte do cd) "), "album_capa", "a capa"),
    (_p(r" (faixa|faixas|tracklist|musica favorita|melhor musica do (cd|album|dvd)|musicas do (cd|album|dvd)|do cd|do album|do dvd) "), "album_faixas", "as faixas"),
    (_p(r" (talento|talentos[oa]s?|dom|sabe cantar|nao sabe cantar|canta muito|canta demais|cantam muito|genio|melhor cantora|melhor cantor|melhores cantores|ninguem canta|canta bem|canta mal|mais talentos[oa]) "), "artista_talento", "o talento do artista"),
    (_p(r" (polemica|polemicas|atitude|atitudes|comportamento|arrogante|metid[oa]|drogas|preso|presa|escandalo|falsidade|humilde|humildade) "), "artista_conduta", "a conduta do artista"),
    (_p(r" (carreira|mudou de estilo|mudou muito|ja foi melhor|era melhor|fase|evoluiu|evolucao|decaiu|comeco de carreira|se tornou|tornou hoje|cresceu|sucesso) "), "artista_carreira", "a carreira do artista"),
    (_p(r" (ela e linda|ele e lindo|ela e muito linda|ele e muito lindo|gato|gata|gatos|gatas|beleza|bonitao|bonitona|simpatic[oa]|carisma|carismatic[oa]|idolo|idola|diva|rainha|rei|sou (seu |sua |muito )?fa|sou fa|fas|fa numero|lindos|lindas|fofos|fofinhos|fofo|fofa|fofinho|fofinha|lindinho|lindinha|lindinhos) "), "artista_carisma", "o carisma do artista"),
    (_p(r" (chorei|chorando|choro|chorar|lagrimas|arrepio|arrepiei|arrepiada|arrepiado|arrepia|emocion\w+|me emociono|tocou (no |o )?meu coracao|toca (no |o )?meu coracao|coracao|me conforta|me acalma|acalma|alegria|feliz|felicidade|paz) "), "fa_emocao", "a emoção do fã"),
    (_p(r" (saudade|saudades|infancia|velhos tempos|classico|classicos|das antigas|relembrar|lembrar|lembrancas|lembro|quando eu era (crianca|pequen[oa])|marcou|nostalgia|antigamente|epoca) "), "fa_nostalgia", "a nostalgia"),
    (_p(r" (deus|senhor|jesus|cristo|louvor|louvores|hino|hinos|gloria|abencoe|abencoado|abencoada|uncao|adoracao|fe|espirito santo|aleluia|amem|presenca de deus|igreja|gospel|ministerio) "), "fa_fe", "a fé"),
)

TAG_CODES: frozenset[str] = frozenset(code for _, code, _ in TAG_RULES) | frozenset(
    {"spam_link", "spam_canal", "spam_dinheiro", "spam_venda", "spam_curtidas"}
)

# Common words that must never be "corrected" onto a lexicon word by the typo index.
COMMON_WORDS = frozenset(
    """a o as os um uma uns umas de da do das dos em na no nas nos por para pra com sem sob sobre
    e ou mas mais menos muito muita pouco pouca que se nao sim ja ainda so tambem la ca aqui ali
    eu tu ele ela nos voce voces eles elas me te lhe nos vos meu minha teu tua seu sua nosso nossa
    isso isto aquilo esse essa este esta aquele aquela ser estar ter haver ir vir ver dar fazer
    foi era sao sou esta estao tem tinha vai vou vem fica ficou disse diz dizer falar fala falou
    quando onde como quem qual porque por que quanto cada todo toda todos todas nada tudo algo alguem
    ninguem outro outra outros outras mesmo mesma vida ainda linha lindo cinco ainda dia dias noite
    tarde hoje ontem amanha ano anos vez vezes hora horas agora sempre nunca depois antes gente
    casa mae pai filho filha irmao irma amigo amiga amor coisa coisas parte mundo pessoa pessoas
    cara mano vei velho menino menina crianca criancas bebe povo brasil deus senhor jesus
    musica musicas video videos clipe canal som voz letra show cd dvd album banda cantor cantora
    gosta gosto ama amo ouvir ouco ouvindo cantar canta cantando dancar danca dancando assistir
    assistindo vendo escutar escutando pensar penso acho achei sei saber sabe quero queria pode
    posso podia deve devia precisa tipo assim entao logo bem mal bom boa melhor pior grande pequeno
    novo nova velha primeira primeiro ultimo ultima certo certa verdade mentira sorte morte morreu
    matou mati mata matar formiga formiguinha galinha pintadinha sapo baratinha pintinho borboletinha
    ainda linda lindas vinda vindo finda ainda""".split()
)
NO_FUZZY = frozenset({"hater", "haters", "falso", "falsa", "fresco", "porco", "gosta", "gosto", "demais",
                      "melhor", "melhores", "bravo", "sucesso", "encanto", "coracao", "maneira", "bonita",
                      "amando", "boas", "bons"})


def vocabulary() -> set[str]:
    """Every canonical word the rules know: lexicon entries and common words (never fuzzed)."""
    words: set[str] = set(COMMON_WORDS)
    for table in (POSITIVE, NEGATIVE, INSULTS, INTENSIFIERS):
        words.update(w for w in table if " " not in w)
    words.update(NEGATORS | DIMINISHERS | CONTRAST | SECOND_PERSON | DIVINE | INTERROGATIVES)
    words.update(w for w in MUSIC_TARGETS if " " not in w)
    # every literal word the phrase patterns spell out (so typo correction never rewrites them)
    patterns = [p for p, *_ in (*SPAM_RULES, *SUGGESTION_RULES, *QUESTION_RULES, *OUTRO_RULES, *TAG_RULES,
                                *POSITIVE_IDIOMS, *NEGATIVE_IDIOMS)]
    patterns += [RHETORICAL, FACTUAL_CUES, FAITH]
    for pattern in patterns:
        words.update(re.findall(r"(?<![\\a-z])[a-z]{3,}", pattern.pattern))
    for value in SLANG.values():
        words.update(value.split())
    words.update(
        """inscreva inscrevam canal canais divulgar divulgue divulguem acessem acesse visitem visite
        confiram confira compartilhem compartilhe curtam curtir joinha comentario legenda legendas
        traducao lancamento lancar ingresso ingressos turne coreografia figurino cenario melodia refrao
        ritmo batida arranjo guitarra violao bateria autotune parceria dueto saudade saudades infancia
        louvor louvores hino hinos arrepio arrepiei emocionante chorei talento carreira dinheiro renda
        extra cadastro gratis dolares reais semana franquia investimento pesquisem procurem escutem
        oucam vejam assistam olhem entrem passem youtube facebook instagram whatsapp telefone contato
        loja produtos venda vendas sugestao sugiro gostaria deveria poderia podia seria queremos quero
        queria espero tomara lance lancem grave gravem faca facam venha venham volta voltem vem
        pergunta duvida nome chama alguem sabe significa onde quando qual quais""".split()
    )
    return {w for w in words if w}
