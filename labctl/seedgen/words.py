"""The vocabularies the generator draws from, shipped with it: real hashtags by topic and
language, real popular link targets, common words of each language.

Nothing here names a person or an account: hashtags, news sites and code forges are public
vocabulary, and the paths the generator writes under them are invented. Instance names are not
here: they are made up from syllables (world.py), so no real server is named.
"""

from __future__ import annotations

# Common words per language, for the text around entities. CJK scripts have no spaces.
WORDS: dict[str, tuple[str, str]] = {
    "en": ("the a and to of in is it that for you this was on with my but have just so not be are "
           "what today about one all like new time really people good still here now day week think "
           "back make some more much great little first last going know see love thanks again", " "),
    "de": ("der die das und ist nicht ich ein eine zu mit auf für es auch sich noch heute wieder "
           "schon mal jetzt hier dann aber oder wenn wie was mehr immer gut neue neuen Zeit Leute "
           "Woche Tag Jahr gerade wirklich einfach danke sehr viel gibt habe haben bin wird", " "),
    "fr": ("le la les et de des un une est pas je il elle on en du que qui pour avec sur dans ce "
           "cette mais ou très bien encore aujourd'hui demain hier merci tout tous nouveau nouvelle "
           "temps gens semaine jour année vraiment peu plus moins fait faire voir", " "),
    "es": ("el la los las y de que en un una es no por con para lo como más pero muy hoy ya "
           "también todo todos nuevo nueva tiempo gente semana día año gracias bien aquí ahora", " "),
    "pt": ("o a os as e de que em um uma é não por com para como mais mas muito hoje já também "
           "tudo novo nova tempo gente semana dia ano obrigado bem aqui agora", " "),
    "it": ("il la i le e di che in un una è non per con come più ma molto oggi già anche tutto "
           "nuovo nuova tempo gente settimana giorno anno grazie bene qui adesso", " "),
    "nl": ("de het een en van ik is dat niet op te met voor zijn maar ook nog wel al naar dan "
           "vandaag nieuwe tijd mensen week dag jaar echt bedankt goed hier nu", " "),
    "pl": ("i w nie na się to jest że z do co jak ale tak już jeszcze dzisiaj nowy nowa czas "
           "ludzie tydzień dzień rok dzięki dobrze tutaj teraz bardzo", " "),
    "sv": ("och i att det som en på är av för med till den har inte jag om men så nu idag ny "
           "nya tid folk vecka dag år tack bra här verkligen", " "),
    "uk": ("і в не на що це з як але так вже ще сьогодні новий нова час люди тиждень день рік "
           "дякую добре тут зараз дуже", " "),
    "ja": ("今日 は の を に が で と も です ます した 写真 時間 東京 雨 桜 猫 本 新しい ちょっと "
           "やっぱり すごい 楽しい ありがとう 明日 昨日 みんな 仕事 週末 朝 夜", ""),
    "zh": ("今天 的 是 了 我 在 有 他 这 一个 我们 新 时间 朋友 工作 周末 谢谢 真的 很 好", ""),
    "ko": ("오늘 은 는 이 가 을 를 에 의 사진 시간 친구 주말 감사합니다 정말 좋은 새로운", " "),
    "ar": ("في من على إلى هذا هذه اليوم جديد وقت الناس أسبوع شكرا جدا جميل", " "),
    "he": ("של את על זה היום חדש זמן אנשים שבוע תודה מאוד יפה", " "),
}

# Topics: how popular, their hashtags (per language; "*" for any), the sites their links go to.
# Tags are real and common; the first of each list is the most used.
TOPICS: dict[str, dict] = {
    "tech": {
        "weight": 16,
        "tags": {"*": ["Python", "Linux", "OpenSource", "programming", "Rust", "FOSS", "selfhosting",
                       "homelab", "JavaScript", "webdev", "emacs", "vim", "Kubernetes", "Docker"],
                 "de": ["Programmieren", "Linux"], "fr": ["logiciellibre", "Linux"], "ja": ["プログラミング"]},
        "domains": ["github.com", "codeberg.org", "docs.python.org", "lwn.net", "arstechnica.com",
                    "stackoverflow.com", "news.ycombinator.com", "heise.de", "itmedia.co.jp"],
    },
    "photography": {
        "weight": 12,
        "tags": {"*": ["photography", "photo", "NaturePhotography", "StreetPhotography", "BlackAndWhite",
                       "landscape", "MonochromeMonday"],
                 "de": ["Fotografie", "Foto"], "fr": ["photographie", "photo"], "ja": ["写真", "風景"],
                 "es": ["fotografía"], "it": ["fotografia"], "nl": ["fotografie"], "pt": ["fotografia"]},
        "domains": ["flickr.com", "500px.com", "youtube.com"],
    },
    "cats": {
        "weight": 8,
        "tags": {"*": ["cats", "CatsOfMastodon", "cat"], "de": ["Katzen", "Katzencontent"],
                 "fr": ["chat", "chats"], "ja": ["猫", "ねこ"], "es": ["gatos"], "nl": ["katten"]},
        "domains": ["youtube.com"],
    },
    "fediverse": {
        "weight": 9,
        "tags": {"*": ["fediverse", "Mastodon", "introduction", "FediTips", "twitterMigration"],
                 "de": ["neuhier", "Fediverse"], "fr": ["fediverse", "présentation"], "ja": ["マストドン"]},
        "domains": ["joinmastodon.org", "docs.joinmastodon.org", "github.com", "fedi.tips"],
    },
    "history": {
        "weight": 4,
        "tags": {"*": ["histodons", "history", "OnThisDay"], "de": ["Geschichte"], "fr": ["histoire"],
                 "es": ["historia"], "it": ["storia"]},
        "domains": ["wikipedia.org", "archive.org", "smithsonianmag.com"],
    },
    "politics": {
        "weight": 8,
        "tags": {"en": ["politics", "uspol", "ukpolitics", "democracy"], "de": ["Politik", "Bundestag", "Demokratie"],
                 "fr": ["politique", "AssembléeNationale"], "es": ["política"], "it": ["politica"],
                 "ja": ["政治"], "nl": ["politiek"], "*": ["EU", "politics"]},
        "domains": ["theguardian.com", "tagesschau.de", "lemonde.fr", "apnews.com", "nhk.or.jp", "elpais.com"],
    },
    "privacy": {
        "weight": 5,
        "tags": {"*": ["privacy", "infosec", "security", "cybersecurity", "surveillance"],
                 "de": ["Datenschutz", "Überwachung"], "fr": ["vieprivée", "RGPD"], "es": ["privacidad"]},
        "domains": ["eff.org", "netzpolitik.org", "heise.de", "noyb.eu", "nextinpact.com", "arstechnica.com"],
    },
    "climate": {
        "weight": 5,
        "tags": {"*": ["climate", "ClimateCrisis", "energy", "solar"], "de": ["Klimakrise", "Energiewende"],
                 "fr": ["climat", "écologie"], "es": ["clima"], "ja": ["気候変動"]},
        "domains": ["theguardian.com", "carbonbrief.org", "zeit.de", "reporterre.net", "nature.com"],
    },
    "science": {
        "weight": 5,
        "tags": {"*": ["science", "space", "astronomy", "biology", "physics"], "de": ["Wissenschaft"],
                 "fr": ["science", "astronomie"], "ja": ["宇宙", "科学"]},
        "domains": ["nature.com", "arxiv.org", "nasa.gov", "theconversation.com", "wikipedia.org"],
    },
    "music": {
        "weight": 5,
        "tags": {"*": ["music", "NowPlaying", "jazz", "metal", "vinyl"], "de": ["Musik"], "fr": ["musique"],
                 "ja": ["音楽"], "es": ["música"]},
        "domains": ["youtube.com", "bandcamp.com", "open.spotify.com"],
    },
    "books": {
        "weight": 4,
        "tags": {"*": ["books", "reading", "bookstodon", "amreading", "SciFi"], "de": ["Bücher", "lesen"],
                 "fr": ["livres", "lecture"], "ja": ["読書"], "es": ["libros"]},
        "domains": ["gutenberg.org", "openlibrary.org", "wikipedia.org"],
    },
    "art": {
        "weight": 5,
        "tags": {"*": ["art", "MastoArt", "drawing", "illustration", "painting"], "ja": ["イラスト", "絵"],
                 "fr": ["dessin"], "de": ["Kunst"]},
        "domains": ["youtube.com", "deviantart.com"],
    },
    "food": {
        "weight": 4,
        "tags": {"*": ["food", "cooking", "baking", "vegan"], "de": ["Kochen", "Essen"], "fr": ["cuisine"],
                 "ja": ["料理", "ごはん"], "es": ["cocina"], "it": ["cucina"]},
        "domains": ["youtube.com", "seriouseats.com", "chefkoch.de", "marmiton.org", "cookpad.com"],
    },
    "gaming": {
        "weight": 4,
        "tags": {"*": ["gaming", "retrogaming", "indiegames", "videogames"], "ja": ["ゲーム"], "fr": ["jeuxvidéo"]},
        "domains": ["youtube.com", "store.steampowered.com", "itch.io", "twitch.tv"],
    },
    "nature": {
        "weight": 5,
        "tags": {"*": ["nature", "birds", "birding", "gardening", "trees"], "de": ["Natur", "Garten", "Vögel"],
                 "fr": ["nature", "jardin", "oiseaux"], "ja": ["自然"], "nl": ["natuur"]},
        "domains": ["inaturalist.org", "youtube.com", "wikipedia.org"],
    },
    # A story: almost nothing all year, then every day from 1 to 25 December (the puzzles' season).
    "adventofcode": {
        "weight": 0.3,
        "tags": {"*": ["AdventOfCode", "AoC2025", "AdventOfCode2025"]},
        "domains": ["adventofcode.com", "github.com", "codeberg.org"],
    },
}

# Tags that belong to one weekday (UTC), used on that day only: 0 is Monday.
WEEKDAY_TAGS: dict[str, dict[int, str]] = {
    "cats": {5: "caturday"},
    "photography": {6: "SilentSunday", 0: "MonochromeMonday"},
}

# News sites per language, and links people post whatever the topic.
NEWS: dict[str, list[str]] = {
    "en": ["theguardian.com", "bbc.co.uk", "apnews.com", "reuters.com", "nytimes.com", "arstechnica.com"],
    "de": ["tagesschau.de", "spiegel.de", "heise.de", "zeit.de", "netzpolitik.org", "sueddeutsche.de"],
    "fr": ["lemonde.fr", "franceinfo.fr", "liberation.fr", "numerama.com", "mediapart.fr"],
    "es": ["elpais.com", "eldiario.es", "rtve.es"],
    "pt": ["g1.globo.com", "publico.pt", "folha.uol.com.br"],
    "it": ["repubblica.it", "ilpost.it", "ansa.it"],
    "nl": ["nos.nl", "nu.nl", "volkskrant.nl"],
    "ja": ["nhk.or.jp", "asahi.com", "itmedia.co.jp", "nikkei.com"],
    "pl": ["wyborcza.pl", "tvn24.pl"],
    "sv": ["svt.se", "dn.se"],
    "uk": ["pravda.com.ua", "suspilne.media"],
    "zh": ["bbc.com"], "ko": ["hani.co.kr"], "ar": ["aljazeera.net"], "he": ["haaretz.co.il"],
}
EVERYWHERE = ["youtube.com", "wikipedia.org", "github.com", "archive.org", "youtu.be"]
# Sites whose links most people write with "www." (the contract drops it).
WWW = {"theguardian.com", "bbc.co.uk", "nytimes.com", "reuters.com", "tagesschau.de", "spiegel.de", "heise.de",
       "zeit.de", "sueddeutsche.de", "lemonde.fr", "liberation.fr", "elpais.com", "eldiario.es", "rtve.es",
       "repubblica.it", "ilpost.it", "ansa.it", "volkskrant.nl", "asahi.com", "nikkei.com", "youtube.com",
       "flickr.com", "marmiton.org", "chefkoch.de", "eff.org", "nature.com", "carbonbrief.org", "nasa.gov",
       "smithsonianmag.com", "gutenberg.org", "deviantart.com", "seriouseats.com", "mediapart.fr", "franceinfo.fr"}

# What the start of an instance's name often is, and words to invent the rest from.
INSTANCE_PREFIXES = ["", "", "", "toot.", "social.", "mast.", "masto.", "mastodon.", "m.", "fedi."]
INSTANCE_SYLLABLES = "va ro mo lu pe ki ba ta ne so li ma ri ka ve no da ze tu fa lo mi".split()
