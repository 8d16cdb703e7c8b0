"""The SRD files we read, pinned: upstream commit, path, size and SHA-256.

The hashes were computed from the upstream files at these commits (the same
bytes as ``../shared/srd_data``). Only the hashes live here, never the data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Upstream:
    """A public repository the SRD JSON comes from, pinned to one commit."""

    folder: str
    """The folder name in a local copy (and under a mirror's base URL)."""
    owner: str
    repo: str
    commit: str
    data_dir: str
    """Where this source's files are, inside the repository."""
    edition: str


@dataclass(frozen=True)
class PinnedFile:
    upstream: Upstream
    name: str
    size: int
    sha256: str

    @property
    def path(self) -> str:
        """The path inside the repository (and inside the local folder)."""
        return f"{self.upstream.data_dir}/{self.name}"

    @property
    def label(self) -> str:
        """The path inside a local copy: ``5e-database/src/2014/en/5e-SRD-Monsters.json``."""
        return f"{self.upstream.folder}/{self.path}"


FIVEE_DATABASE = Upstream(
    folder="5e-database",
    owner="5e-bits",
    repo="5e-database",
    commit="bfd3db4bcc31699cce703b46feb9af3f0ff08999",
    data_dir="src/2014/en",
    edition="5.1",
)
OPEN5E = Upstream(
    folder="open5e-api",
    owner="open5e",
    repo="open5e-api",
    commit="7d44bb0ef62dfe3354c5b293faff62e3d215bcf8",
    data_dir="data/v2/wizards-of-the-coast/srd-2024",
    edition="5.2",
)
UPSTREAMS = (FIVEE_DATABASE, OPEN5E)


def _pin(upstream: Upstream, name: str, size: int, sha256: str) -> PinnedFile:
    return PinnedFile(upstream, name, size, sha256)


FILES: tuple[PinnedFile, ...] = (
    _pin(
        FIVEE_DATABASE,
        "5e-SRD-Monsters.json",
        1340631,
        "cbf1b6d0a94f6e13afd1480d647d288c61ba0ddc3d3a7842d1501852dc954237",
    ),
    _pin(
        FIVEE_DATABASE,
        "5e-SRD-Spells.json",
        607779,
        "6ba39de71c28b8fa5439c1a0bdc0f57874aadc7b09b7281ac805e7fe16019d6f",
    ),
    _pin(
        FIVEE_DATABASE,
        "5e-SRD-Equipment.json",
        177080,
        "aa5e99e4dad50143467568a3de653d53d1d39c2c2aa6ac74b172f457f6315ac1",
    ),
    _pin(
        FIVEE_DATABASE,
        "5e-SRD-Magic-Items.json",
        435018,
        "9a6f928cbf36b268b02e09dc116995efce8a74380df0450e197117886b64993d",
    ),
    _pin(
        FIVEE_DATABASE,
        "5e-SRD-Classes.json",
        150567,
        "2c2795733d45db10758f1c62cad28ffdb1e44159d49a0669bd2dcd606ab6fcfc",
    ),
    _pin(
        FIVEE_DATABASE,
        "5e-SRD-Features.json",
        355557,
        "fd20a2a5c27996eb66c023053b1629d93dac2d1d108e5d81dfc53ddf0d6ad93c",
    ),
    _pin(
        FIVEE_DATABASE,
        "5e-SRD-Races.json",
        26193,
        "75e6e99c318162e229f825d79f1be0c06abe38f37d14eeea54ce32d94d051245",
    ),
    _pin(
        FIVEE_DATABASE,
        "5e-SRD-Subraces.json",
        3635,
        "13f6917a7f52a42ba48e7daf0464bcdf1c6ffb2efaf9a0ec8d8de523789dedb8",
    ),
    _pin(
        FIVEE_DATABASE,
        "5e-SRD-Traits.json",
        55551,
        "76943cc30d9d08ad3720524f81f4a1ea715439c3e59191644c4a207d4ae5fcd5",
    ),
    _pin(
        FIVEE_DATABASE,
        "5e-SRD-Conditions.json",
        7127,
        "e2c8d211a4f72722c3490217aea948e78c5235c2d51d3c08a4fd3e9d3cd4468f",
    ),
    _pin(
        OPEN5E,
        "Creature.json",
        866836,
        "1d0a4980f816390865b93894813bed9fd22a8104b579946c20fb9664510b9009",
    ),
    _pin(
        OPEN5E,
        "CreatureAction.json",
        525117,
        "28c82fabbf6b5cb83d9eb6ccb5b73dbb31ccdda131e77cafd0aafa0422024867",
    ),
    _pin(
        OPEN5E,
        "CreatureActionAttack.json",
        255295,
        "efcb9dc9e09fbdf6f1098a1d996de3f9b00b5d4a53f2621bbd5703cfa49bdeca",
    ),
    _pin(
        OPEN5E,
        "CreatureTrait.json",
        111122,
        "f9ad51a72a47a8ac9798694c34b422bfcd7e109917482ea25d884e4cf840223d",
    ),
    _pin(
        OPEN5E,
        "Spell.json",
        576329,
        "cd8eefbc2c497a07b4346c4c3f267eb7bd71dc1be06839174307b6959cdfdfbf",
    ),
    _pin(
        OPEN5E,
        "Item.json",
        147706,
        "01a8bc82d2957d0aa9fc3a619e91e140b989bc5e3e47173ef1f7602ee58edbc0",
    ),
    _pin(
        OPEN5E,
        "Weapon.json",
        12720,
        "0582eb569c47f04593045d12eb8c39a2e20bd1caad8472de6d7604b1eabfb2ad",
    ),
    _pin(
        OPEN5E,
        "Armor.json",
        3741,
        "b1978065995aa5d44fd0f28a84d9537fe85f1a9c0a6f43baecf14ea1043d626b",
    ),
    _pin(
        OPEN5E,
        "WeaponProperty.json",
        6785,
        "77b6a718fc6a2f7a92da63c85b5921635600ac72acc4ecc8861963e75755ce8e",
    ),
    _pin(
        OPEN5E,
        "WeaponPropertyAssignment.json",
        24718,
        "6a646a5dd8d32cd45dcf576940faa323b2b0d54cf1bd8992a4252f92a9dc09d0",
    ),
    _pin(
        OPEN5E,
        "MagicItem.json",
        866843,
        "416f8d2fa8bf0c67fcb1e93fb9adf52b43730fb015c91275561babe79e00af0a",
    ),
    _pin(
        OPEN5E,
        "CharacterClass.json",
        11719,
        "17a6be1d4bd783dce17b2f6fb5646562fa90a4590b7dd9d254b7ef8e1c56b4e1",
    ),
    _pin(
        OPEN5E,
        "ClassFeature.json",
        225357,
        "3e2b21d79e327ae8d2ec3afc3af5c92e0c62dee89dba58c19566ecf41534cf57",
    ),
    _pin(
        OPEN5E,
        "ClassFeatureItem.json",
        393277,
        "e7469e35c3d456be79f21c70dc2c5197a1d80905262d118a4107470a77ba4a61",
    ),
    _pin(
        OPEN5E,
        "Species.json",
        1541,
        "1330e8f5220f41773dadb231adcb109f223b79e25fd5be26952300364a0d90ca",
    ),
    _pin(
        OPEN5E,
        "SpeciesTrait.json",
        20632,
        "8e27011b56c2bacd2cf8cf4d707afd9d083ca9895d4ca043762c38702cf0d0c0",
    ),
    _pin(
        OPEN5E,
        "ConditionDescription.json",
        8446,
        "45cb5ea5d74dbd99f62ac4d9d33ac60d44e91957bc76920b90b89ad651d295d5",
    ),
)


def files_of(upstream: Upstream) -> tuple[PinnedFile, ...]:
    """The pinned files of one source, in reading order."""
    return tuple(f for f in FILES if f.upstream is upstream)
