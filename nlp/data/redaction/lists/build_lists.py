"""Regenerate first_names_faker.txt and common_words.txt (run by hand; the redactor only reads the text files).

    .venv/bin/pip install 'faker==40.63.0'   # only for this script; Engage does not depend on it
    .venv/bin/python nlp/data/redaction/lists/build_lists.py

first_names_faker.txt: the Latin-script first names of Faker's person providers (MIT licence; see README), for the
locales of people who live in Lambeth, less NOT_NAMES (entries that are words, titles or noise, not names).

common_words.txt and rarer_words.txt: lower-case English words from spacy-lookups-data's `en_lexeme_prob` table
(MIT licence, already an Engage dependency), a case-sensitive word frequency table. A word is common when its
lower-case form is frequent (log probability at least -15) and at least about as frequent as its capitalised form
(within 1.0): "will", "grace" and "brown" are common; "john", "priya" and "brixton" are not, because people write
them capitalised. A first name that is also a common word ("Grace", "Will", "May") is ambiguous, and the redactor
wants more evidence for it. NAMES_FIRST are names the table calls common for reasons that do not apply here ("ama"
is a web abbreviation). Rarer words (log probability at least -17.5, written in lower case at least as often as
capitalised: "infarction", "befriending", "memorandum") tell an English word in title case from an unlisted name
("Ivanova", "Warsame", "Okafor").
"""

from __future__ import annotations

import gzip
import importlib
import json
import pkgutil
import unicodedata
from pathlib import Path

HERE = Path(__file__).parent


def _words(text: str) -> list[str]:
    return text.split()


LOCALES = _words(
    "en en_GB en_IE ga_IE en_US en_NZ en_IN en_PK en_KE en_NG yo_NG ig_NG ha_NG tw_GH sw zu_ZA pt_PT pt_BR es_ES es_AR "
    "es_CL es_CO es_MX es_CA fr_FR fr_BE fr_CA fr_CH fr_DZ it_IT de_DE de_AT de_CH nl_NL nl_BE pl_PL cs_CZ sk_SK hu_HU "
    "ro_RO lt_LT lv_LV et_EE hr_HR sl_SI tr_TR az_AZ sv_SE da_DK no_NO id_ID vi_VN zh_CN zh_TW ja_JP"
)

NOT_NAMES = set(
    _words(
        """
    Ab Add Admiral Ala Albino Ale Alla Almond Alpha Alto Among An Ante Ants Arch Author Babe Baby Bara Barb Baron
    Beat Bee Bent Bird Bishop Bitten Blaze Bliss Boss Brain Branch Brit Buck Buena Bunk Burns Bush Buster Butch Can
    Canal Canyon Cap Captain Carry Case Champ Chase Chastity Cherish Chin Chip Chuck Cinnamon Cleave Collie Colon Con
    Cord Council Coy Creed Dag Darling Delta Diamond Dock Doctor Doll Dove Dries Early Echo Edit Einer El Elder Eller
    Else Ember Emit Era Essence Ether Ever Fairy Fancy Fares Fate Fed Feline Fella Fem Fielding Fleet Flint Floor
    Forum Friend Fuller Gal Gang Garner Garrison Gauge Gay Gee General Genie Golden Gorge Governor Graves Greet Grit
    Grove Gun Gunner Gusta Hall Ham Handy Harden Hardy Harm Harsh Hasta Hatin Haven Hella Hence Hill Hoy Hunt Hymen
    Icy Ima Immaculate Imo Indie Infant Innocent Ion Irl Jail Jet Job Joke Jos Journey Judge Kale Karma Katana Kick
    King Lady Lander Lane Lavender Lawyer Le Leafy Lean Leaner Lemon Less Lien Lies Line Link Little Lo Loan Lone Long
    Loot Lore Lot Lotta Loyal Luster Mace Macs Mad Made Major Male Man Manly Mare Marine Marry Mart Martial Mat Mate
    Math Mats Mayo Media Mentor Messiah Meta Metro Mile Mills Miner Minor Miracle Moody My Nades Nail Nazi Nil North
    Octave Odd Om Oral Orange Owe Page Park Pastor Paw Peer Per Pero Pier Ping Pink Pleas Pleasant Porter Press Price
    Prima Prince Princess Puck Queen Raid Ransom Reason Red Rice Ridge Rim Roar Rock Roll Rollin Royal Rune Rush Rut
    Sad Safari Saga Saint Salami Sayin Sem Server Sever Shade Shepherd Sie Silver Sincere Sine Sing Sister Skip Sole
    Son Spring Stone Storm Tab Tea Theres Ties Til Till Tiny Tone Toon Tor Tore Toy Trace Tri Trinity True Unique
    Unknown Unnamed Uno Urban Us Valid Van Velvet Versa Vid Vide Viking Ville Von Wage Ward Wash Watt Weaver West
    Whit Windy Wing Wolf Worth Yoga Young Över The Come Side Age Constant
    """
    )
)

NAMES_FIRST = set(_words("ama enda yaw jo li mai ling mia molly lulu meg demi cara alma sia wang nur prem"))


def _key(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _latin(name: str) -> bool:
    return all(c in " -'’." or "LATIN" in unicodedata.name(c, "") for c in name)


def faker_first_names() -> tuple[str, set[str]]:
    faker = importlib.import_module("faker")
    person = importlib.import_module("faker.providers.person")
    names: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        if module.name not in LOCALES:
            continue
        provider = importlib.import_module(f"faker.providers.person.{module.name}").Provider
        for attribute in dir(provider):
            if not attribute.startswith(("first_names", "first_romanized", "middle_names")) or "kana" in attribute:
                continue
            values = getattr(provider, attribute)
            if not isinstance(values, dict | list | tuple | set):
                continue
            for value in values.keys() if isinstance(values, dict) else values:
                if isinstance(value, str) and value.strip() and _latin(value):
                    name = value.strip()
                    names.add(name.title() if name.isupper() else name)
    # Compared without accents or case, as the redactor compares: Vietnamese "Thế" would otherwise be "the".
    not_names = {_key(n) for n in NOT_NAMES}
    return str(faker.VERSION), {n for n in names if _key(n) not in not_names}


def english_words() -> tuple[str, set[str], set[str]]:
    """(version, common words, rarer words): see the module docstring."""
    lookups = importlib.import_module("spacy_lookups_data")
    from importlib.metadata import version

    table = Path(str(lookups.__file__)).parent / "data" / "en_lexeme_prob.json.gz"
    prob: dict[str, float] = json.loads(gzip.decompress(table.read_bytes()))
    common, rarer = set(), set()
    for word, lower in prob.items():
        if not (word.isalpha() and word.islower()) or lower < -17.5:
            continue
        capitalised = prob.get(word.capitalize(), -20.0)
        if lower >= -15.0 and lower >= capitalised - 1.0 and word not in NAMES_FIRST:
            common.add(word)
        elif lower >= capitalised:
            rarer.add(word)
    return version("spacy-lookups-data"), common, rarer


def main() -> None:
    faker_version, names = faker_first_names()
    (HERE / "first_names_faker.txt").write_text(
        f"# First names from Faker {faker_version} (MIT licence, (c) Daniele Faraglia and contributors), Latin-script\n"
        f"# entries of the person providers for {', '.join(LOCALES)}. Generated by build_lists.py: do not edit.\n"
        + "\n".join(sorted(names))
        + "\n"
    )
    lookups_version, common, rarer = english_words()
    source = f"spacy-lookups-data {lookups_version} en_lexeme_prob (MIT licence, (c) Explosion)"
    (HERE / "common_words.txt").write_text(
        f"# Common lower-case English words, from {source}.\n# Generated by build_lists.py: do not edit.\n"
        + "\n".join(sorted(common))
        + "\n"
    )
    (HERE / "rarer_words.txt").write_text(
        f"# Rarer lower-case English words (not in common_words.txt), from {source}.\n"
        "# Generated by build_lists.py: do not edit.\n" + "\n".join(sorted(rarer)) + "\n"
    )
    print(f"{len(names)} first names, {len(common)} common and {len(rarer)} rarer words")


if __name__ == "__main__":
    main()
