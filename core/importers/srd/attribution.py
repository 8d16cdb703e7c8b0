"""The Wizards of the Coast attribution that must ship with any SRD content."""

from __future__ import annotations

SRD_51 = (
    'This work includes material taken from the System Reference Document 5.1 ("SRD 5.1") by '
    "Wizards of the Coast LLC and available at "
    "https://dnd.wizards.com/resources/systems-reference-document. The SRD 5.1 is licensed "
    "under the Creative Commons Attribution 4.0 International License available at "
    "https://creativecommons.org/licenses/by/4.0/legalcode."
)
SRD_52 = (
    'This work includes material from the System Reference Document 5.2 ("SRD 5.2") by '
    "Wizards of the Coast LLC, available at https://www.dndbeyond.com/srd. The SRD 5.2 is "
    "licensed under the Creative Commons Attribution 4.0 International License, available at "
    "https://creativecommons.org/licenses/by/4.0/legalcode."
)
ATTRIBUTION = f"{SRD_51}\n\n{SRD_52}\n"
"""Both statements, as ``../shared/srd_data/5e-database/SOURCE.txt`` gives them."""
