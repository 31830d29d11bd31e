"""The demo county's reuse streams and a solved study: Runhua Dyeing, Xinglong Steel and three neighbours.

Figures are typical of their trades (printing and dyeing rinse water at COD
60–120 mg/L, steel cooling-tower make-up accepting COD up to 60 mg/L), not
measurements. Sites sit a few kilometres apart on the county's plane grid.
"""

from __future__ import annotations

from civic.core.models import User
from civic.water import actions
from civic.water.models import ReuseSite, ReuseStream, ReuseStreamKind, ReuseStudy, WaterUser, WaterUserKind

SOURCE, SINK = ReuseStreamKind.SOURCE, ReuseStreamKind.SINK
# (name, kind, flow m³/h, COD, NH3-N, SS) per firm, by position among the demo's enterprises.
DYEING_STREAMS = [
    ("末道漂洗水", SOURCE, 60.0, 80.0, 4.0, 30.0),
    ("冷凝水", SOURCE, 15.0, 10.0, 0.5, 2.0),
    ("染色配液", SINK, 40.0, 20.0, None, 10.0),
    ("前处理水洗", SINK, 35.0, 100.0, None, 50.0),
]
STEEL_STREAMS = [
    ("循环水排污", SOURCE, 20.0, 40.0, 1.0, 60.0),
    ("冷却塔补水", SINK, 80.0, 60.0, None, 30.0),
    ("冲渣补水", SINK, 30.0, 200.0, None, 300.0),
]
NEIGHBOUR_STREAMS = [
    [("清洗废水", SOURCE, 25.0, 50.0, 2.0, 20.0), ("绿化及道路冲洗", SINK, 10.0, 60.0, None, 30.0)],
    [("反渗透浓水", SOURCE, 12.0, 30.0, 1.0, 5.0), ("锅炉补水", SINK, 8.0, 2.0, None, 1.0)],
    [("设备冷却排水", SOURCE, 18.0, 15.0, 0.5, 10.0), ("生产工艺用水", SINK, 20.0, 40.0, None, 20.0)],
]
SITES_M = [(0.0, 0.0), (2_400.0, 1_100.0), (600.0, 900.0), (1_500.0, -700.0), (-900.0, 1_300.0)]


def load_reuse_demo(engineer: User) -> ReuseStudy:
    """Streams and sites for five firms, and a study of them solved by `engineer` (a bureau account)."""
    firms = _demo_firms()
    for firm, streams, (x_m, y_m) in zip(
        firms, [DYEING_STREAMS, STEEL_STREAMS, *NEIGHBOUR_STREAMS], SITES_M, strict=False
    ):
        ReuseSite.objects.create(water_user=firm, x_m=x_m, y_m=y_m)
        ReuseStream.objects.bulk_create(
            ReuseStream(
                water_user=firm,
                name=name,
                kind=kind,
                flow_m3_per_h=flow,
                cod_mg_per_l=cod,
                ammonia_mg_per_l=ammonia,
                suspended_solids_mg_per_l=solids,
            )
            for name, kind, flow, cod, ammonia, solids in streams
        )
    study = actions.create_reuse_study({"name": "湖塘—牛塘企业串联用水示范"}, firms, engineer)
    return actions.run_reuse_study(study.pk)


def _demo_firms() -> list[WaterUser]:
    """Runhua (WJ0001) and Xinglong (WJ0002), then the next three enterprises of the register."""
    enterprises = WaterUser.objects.filter(kind=WaterUserKind.ENTERPRISE).order_by("code")
    return list(enterprises[:5])
