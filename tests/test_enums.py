"""Every enumerated value has its own French label, whatever other enums share its value."""

from __future__ import annotations

import qpvdesk.core.domain.enums as enums

ENUMS = [
    value
    for value in vars(enums).values()
    if isinstance(value, type)
    and issubclass(value, enums.LabelledEnum)
    and value is not enums.LabelledEnum
]


def test_every_member_has_a_french_label_distinct_within_its_enum() -> None:
    assert len(ENUMS) > 15
    for enum in ENUMS:
        labels = [member.label for member in enum]
        assert all(label != member.value for label, member in zip(labels, enum, strict=True))
        assert len(set(labels)) == len(labels), enum.__name__


def test_members_sharing_a_value_keep_their_own_labels() -> None:
    assert enums.CallState.OPEN.label == "Ouvert"
    assert enums.FollowUpState.OPEN.label == "À faire"
    assert enums.ActionState.PLANNED.label == "Prévue"
    assert enums.MeetingState.PLANNED.label == "Prévue"
    assert enums.MeasurementKind.PLANNED.label == "Prévu"
    assert enums.OrganisationKind.OTHER.label == "Autre"
    assert enums.CommitteeKind.OTHER.label == "Autre instance"
