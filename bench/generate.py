"""A whole city for the benchmarks (issue 17), reproducible from a seed, written with bulk inserts.

    python -m bench.generate --scale 0.1|1|10 --seed 1 [--wipe] [--base-date 2026-12-01]

At 1×: 5,000 organizations (valid USCC, grades, annual reports, some on the credit lists),
20,000 tenders over ten years with lots, scoring criteria and their public pages, 80,000 bids sealed
with the real sealing (`procurement.tendering.sealing`), openings, panels, reports and awards,
15,000 contracts with ~100,000 milestones, their payments and progress reports, 2,000 experts, 200,000 volunteers
(ID numbers protected as `core.identity` does), social workers and teams, volunteer projects (some
under contracts), needs, slots, sign-ups, 2,000,000 hour records and public reports. Every count
scales linearly with `--scale` (at least 1 of each).

How it is fast: every row gets its primary key from the generator (the next free id of its table,
read once), so children are written without reading their parents back; rows are buffered per
table and flushed every ten thousand rows or so (between whole items), parents before children (COPY on PostgreSQL, one
`executemany` INSERT elsewhere); nothing holds more than one chunk of any table, so memory stays
flat at 10×. One password hash is computed for every generated account. The sequences are reset
and, on PostgreSQL, the tables ANALYZEd before the summaries and stored flags are derived from them.

What it does not do: no audit events are written for generated rows (they are data, not actions),
no notifications, no light snapshots (the daily sweep takes them), no stored bid files or opened
bid documents (sealed content only). Ciphertexts (bids, ID numbers, tender keys) use fresh
randomness like the real code, so they differ between two runs with one seed; every other column is
the same.

`--wipe` empties every table the generator writes (and the page rows and `bench-` accounts it
made) before generating: use it on the bench database only.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import hmac as hmac_module
import json
import os
import random
import sys
import time
import uuid
import zoneinfo
from collections import Counter, defaultdict
from decimal import ROUND_DOWN, Decimal
from types import SimpleNamespace

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DEFAULT_BASE_DATE = datetime.date(2026, 12, 1)
CENT = Decimal("0.01")
PASSWORD = "bench-password"  # every generated account (never a production database)
USER_PREFIX = "bench-"

# Counts at 1×.
BASE_COUNTS = {
    "organizations": 5000,
    "tenders": 20000,
    "bids": 80000,
    "contracts": 15000,
    "milestones": 100000,
    "experts": 2000,
    "volunteers": 200000,
    "social_workers": 1000,
    "projects": 2000,
    "needs": 20000,
    "hour_records": 2000000,
    "public_reports": 2000,
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅海燕雪鹏飞宇浩然欣怡子涵梓轩晨曦俊杰佳琪思远雨桐博文"
ORG_WORDS = ["阳光", "同心", "康乐", "晨光", "启航", "暖心", "爱心", "向阳", "和美", "长青", "安馨", "乐群"]
ORG_KINDS = [
    ("养老服务中心", "social_service"),
    ("社会工作服务社", "social_service"),
    ("儿童关爱中心", "social_service"),
    ("社区服务中心", "social_service"),
    ("志愿者协会", "social_group"),
    ("残疾人互助会", "social_group"),
    ("公益基金会", "foundation"),
]
SERVICES = [
    "居家养老上门服务",
    "社区儿童托管",
    "困难家庭帮扶",
    "残疾人康复训练",
    "社区矫正帮教",
    "青少年心理辅导",
    "社区治理能力提升",
    "就业技能培训",
]
SKILLS = [
    "急救",
    "心理疏导",
    "手语",
    "外语",
    "驾驶",
    "电脑",
    "教学辅导",
    "医疗护理",
    "法律咨询",
    "摄影",
    "文艺表演",
    "烹饪",
]
WEEK_CHOICES = (0.05, 0.15, 0.35, 0.25, 0.12, 0.08)  # P(1..6 bids on a lot)


# The weekly times a generated volunteer is available (start, end).
WEEKLY_WINDOWS = [
    (datetime.time(8, 0), datetime.time(12, 0)),
    (datetime.time(9, 0), datetime.time(17, 0)),
    (datetime.time(13, 30), datetime.time(17, 30)),
    (datetime.time(18, 0), datetime.time(21, 0)),
]


def scaled(name: str, scale: float) -> int:
    return max(1, round(BASE_COUNTS[name] * scale))


def aware(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT)


class Sink:
    """Buffered, id-assigning bulk writer. `add(Model, **values)` takes attnames and returns the pk;
    fields left out take their default (a `timezone.now` default or an auto_now field: the
    generator's clock). Buffers are flushed together, in the order their tables were first used,
    so parents always reach the database before their children."""

    def __init__(self, *, now: datetime.datetime, rng: random.Random, chunk: int = 10000):
        from django.db import connection

        self.connection = connection
        self.copy = connection.vendor == "postgresql"
        self.now = now
        self.rng = rng
        self.chunk = chunk
        self.buffers: dict = {}
        self.columns: dict = {}
        self.next_ids: dict = {}
        self.counts: Counter = Counter()
        self.models: list = []
        self.pending = 0

    # ids -----------------------------------------------------------------------------------------
    def _id_model(self, model):
        """The model whose table owns the primary key (a page's `page_ptr` → Page)."""
        pk = model._meta.pk
        while pk.remote_field is not None and pk.remote_field.parent_link:
            model = pk.remote_field.model
            pk = model._meta.pk
        return model

    def new_id(self, model) -> int:
        owner = self._id_model(model)
        if owner not in self.next_ids:
            from django.db.models import Max

            self.next_ids[owner] = (owner._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
        value = self.next_ids[owner]
        self.next_ids[owner] = value + 1
        return value

    # rows ----------------------------------------------------------------------------------------
    def _prepare(self, model):
        from django.db.models import JSONField
        from django.utils import timezone

        fields = [f for f in model._meta.local_concrete_fields]
        plan = []
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                default = ("now",)
            elif f.has_default():
                if f.default is timezone.now:
                    default = ("now",)
                elif f.default is uuid.uuid4:
                    default = ("uuid",)
                elif callable(f.default):
                    default = ("call", f.default)
                else:
                    default = ("value", f.get_default())
            elif f.null:
                default = ("value", None)
            elif f.primary_key:
                default = ("pk",)
            elif f.blank and f.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField"):
                default = ("value", "")
            else:
                default = ("required",)
            plan.append((f.attname, default, isinstance(f, JSONField), f))
        self.columns[model] = plan
        self.buffers[model] = []
        self.models.append(model)

    def add(self, model, **values):
        if model not in self.columns:
            self._prepare(model)
        pk_name = model._meta.pk.attname
        if values.get(pk_name) is None:
            values[pk_name] = self.new_id(model)
        row = []
        for attname, default, is_json, _field in self.columns[model]:
            if attname in values:
                value = values[attname]
            else:
                kind = default[0]
                if kind == "now":
                    value = self.now
                elif kind == "uuid":
                    value = uuid.UUID(int=self.rng.getrandbits(128), version=4)
                elif kind == "call":
                    value = default[1]()
                elif kind == "value":
                    value = default[1]
                else:
                    raise ValueError(f"{model.__name__}.{attname} is required")
            if is_json:
                value = ("json", value)
            row.append(value)
        self.buffers[model].append(row)
        self.counts[model._meta.label] += 1
        self.pending += 1
        return values[pk_name]

    def checkpoint(self) -> None:
        """Called between whole items (a tender with everything under it, a volunteer, a need):
        flushes once enough rows wait, never in the middle of an item whose parent row is added
        after its children."""
        if self.pending >= self.chunk:
            self.flush()

    def _ordered(self) -> list:
        """The buffered models, every model after the models its foreign keys point at."""
        order, seen = [], set()

        def visit(model, stack=()):
            if model in seen or model in stack:
                return
            for field in model._meta.concrete_fields:
                target = field.remote_field.model if field.remote_field is not None else None
                if target is not None and target is not model and target in self.columns:
                    visit(target, (*stack, model))
            seen.add(model)
            order.append(model)

        for model in self.models:
            visit(model)
        return order

    def flush(self) -> None:
        for model in self._ordered():
            rows = self.buffers[model]
            if rows:
                self._write(model, rows)
                self.buffers[model] = []
        self.pending = 0

    def _write(self, model, rows) -> None:
        plan = self.columns[model]
        table = model._meta.db_table
        names = [field.column for _a, _d, _j, field in plan]
        qn = self.connection.ops.quote_name
        if self.copy:
            from psycopg.types.json import Jsonb

            sql = f"COPY {qn(table)} ({', '.join(qn(n) for n in names)}) FROM STDIN"
            with self.connection.cursor() as cursor:
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(
                            [
                                Jsonb(v[1]) if type(v) is tuple and len(v) == 2 and v[0] == "json" else v
                                for v in row
                            ]
                        )
            return
        prepared = []
        for row in rows:
            out = []
            for value, (_a, _d, is_json, field) in zip(row, plan, strict=True):
                if is_json:
                    value = value[1]
                out.append(field.get_db_prep_save(value, self.connection))
            prepared.append(out)
        placeholders = ", ".join(["%s"] * len(names))
        sql = f"INSERT INTO {qn(table)} ({', '.join(qn(n) for n in names)}) VALUES ({placeholders})"
        with self.connection.cursor() as cursor:
            cursor.executemany(sql, prepared)

    def finish(self) -> None:
        from django.core.management.color import no_style

        self.flush()
        models = [m for m in self.models if m._meta.pk.get_internal_type() in ("AutoField", "BigAutoField")]
        statements = self.connection.ops.sequence_reset_sql(no_style(), models)
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


# --- reference data ---------------------------------------------------------------------------------


def _reference(now):
    """Districts, departments (the demo's plus bench units up to 20), categories (migrations),
    procurement methods, volunteer service types, skills, role groups."""
    from accounts.roles import ensure_role_groups
    from core import demo as core_demo
    from core.models import Department, District, ServiceCategory, VolunteerServiceType
    from procurement.models import ProcurementMethod
    from procurement.planning.services import method_ensure_defaults
    from volunteers.models import Skill

    core_demo.seed()
    districts = list(District.objects.order_by("sort_order", "code"))
    for index in range(Department.objects.count(), 20):
        district = districts[index % len(districts)]
        Department.objects.get_or_create(
            code=f"bench-unit-{index:02d}",
            defaults={"name": f"{district.name}社会服务采购单位{index:02d}", "district": district},
        )
    method_ensure_defaults()
    groups = ensure_role_groups()
    for name in SKILLS:
        Skill.objects.get_or_create(name=name)
    top = list(ServiceCategory.objects.filter(parent__isnull=True).order_by("sort_order", "code"))
    children = defaultdict(list)
    for item in ServiceCategory.objects.filter(parent__isnull=False).order_by("sort_order", "code"):
        children[item.parent_id].append(item)
    return SimpleNamespace(
        districts=districts,
        departments=list(Department.objects.order_by("code")),
        categories=top,
        catalogue=children,
        methods=list(ProcurementMethod.objects.filter(is_active=True).order_by("sort_order", "code")),
        service_types=list(VolunteerServiceType.objects.order_by("sort_order", "code")),
        skills=list(Skill.objects.order_by("name")),
        groups={name: group.pk for name, group in groups.items()},
    )


class City:
    """The generation state shared by the stages (ids and the few facts later stages need)."""

    def __init__(self, *, scale: float, seed: int, base_date: datetime.date, stdout):
        from django.contrib.auth.hashers import make_password

        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)
        self.base_date = base_date
        self.now = aware(base_date, 8)
        self.stdout = stdout
        self.sink = Sink(now=self.now, rng=self.rng)
        self.password = make_password(PASSWORD, salt="benchsalt" + str(seed))
        self.started = time.monotonic()
        self.user_number = 0

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(f"[{time.monotonic() - self.started:7.1f}s] {text}\n")
            flush = getattr(self.stdout, "flush", None)
            if flush:
                flush()

    def name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))

    def phone(self) -> str:
        return f"13{self.rng.randint(0, 9)}{self.rng.randint(0, 99999999):08d}"

    def user(self, kind: str, *, display_name: str, group: str | None = None, **extra) -> int:
        from accounts.models import User

        self.user_number += 1
        username = f"{USER_PREFIX}{kind}-{self.user_number:07d}"
        pk = self.sink.add(
            User,
            username=username,
            password=self.password,
            display_name=display_name,
            email=f"{username}@bench.example.cn",
            is_active=True,
            is_staff=extra.pop("is_staff", False),
            is_superuser=extra.pop("is_superuser", False),
            date_joined=self.now - datetime.timedelta(days=self.rng.randint(30, 3650)),
            last_login=None,
            first_name="",
            last_name="",
            **extra,
        )
        if group:
            self.sink.add(User.groups.through, user_id=pk, group_id=self.ref.groups[group])
        return pk


# --- stages -------------------------------------------------------------------------------------------


def _staff(city: City) -> None:
    from accounts.roles import Role

    city.officers = {}
    for department in city.ref.departments:
        city.officers[department.pk] = city.user(
            "officer",
            display_name=city.name(),
            group=Role.PROCUREMENT_OFFICER,
            department_id=department.pk,
            is_staff=True,
        )
    city.admin = city.user(
        "admin", display_name="基准测试管理员", group=Role.BUREAU_ADMIN, is_staff=True, is_superuser=True
    )
    city.supervisor = city.user("supervisor", display_name=city.name(), group=Role.SUPERVISOR, is_staff=True)


def _organizations(city: City) -> None:
    from accounts.roles import Role
    from core.identity import id_number_check_char
    from core.uscc import uscc_complete
    from orgs.models import (
        AnnualReport,
        CreditListEntry,
        EvaluationGrade,
        Membership,
        Organization,
        ReportConclusion,
    )

    rng, sink, ref = city.rng, city.sink, city.ref
    count = scaled("organizations", city.scale)
    protect = IdProtector()
    city.orgs = []  # (id, founded_on, eligible, member user id, name, uscc)
    category_digit = {"social_group": "1", "social_service": "2", "foundation": "3"}
    base = city.base_date
    for index in range(count):
        district = rng.choice(ref.districts)
        suffix, org_type = rng.choice(ORG_KINDS)
        name = f"{district.name}{rng.choice(ORG_WORDS)}{suffix}{index + 1:05d}号"
        uscc = uscc_complete(f"5{category_digit[org_type]}{district.code}9{index:08d}")
        founded = base - datetime.timedelta(days=rng.randint(400, 9000))
        rep_number = _id_number(index, district.code, offset=500_000_000)
        assert id_number_check_char(rep_number[:17]) == rep_number[17]
        protected = protect(rep_number)
        roll = rng.random()
        verification = "verified" if roll < 0.92 else ("pending" if roll < 0.97 else "rejected")
        registration = "normal" if rng.random() < 0.97 else "deregistered"
        org_id = sink.add(
            Organization,
            name=name,
            uscc=uscc,
            org_type=org_type,
            registration_authority=f"{district.name}民政局",
            supervising_unit="" if org_type == "social_service" else "南京市民政局",
            legal_rep_name=city.name(),
            legal_rep_id_ciphertext=protected[0],
            legal_rep_id_hmac=protected[1],
            legal_rep_id_masked=protected[2],
            legal_rep_birth_date=protected[3],
            founded_on=founded,
            registered_capital=Decimal(rng.choice((30000, 50000, 100000, 200000, 500000))),
            address=f"南京市{district.name}基准路{index + 1}号",
            district_id=district.pk,
            business_scope="为辖区居民提供专业社会服务、开展相关培训与咨询。",
            is_charity=rng.random() < 0.3,
            has_public_fundraising=org_type == "foundation" and rng.random() < 0.5,
            registration_status=registration,
            verification_status=verification,
            rejection_reasons=["登记证书扫描件不清晰"] if verification == "rejected" else [],
            verified_at=aware(founded + datetime.timedelta(days=30)) if verification == "verified" else None,
            submitted_at=aware(founded + datetime.timedelta(days=20)),
            contact_name=city.name(),
            contact_phone=city.phone(),
            contact_email=f"org{index + 1}@bench.example.cn",
            created_at=aware(founded + datetime.timedelta(days=20)),
            updated_at=city.now,
        )
        for category in rng.sample(ref.categories, rng.choice((1, 1, 2))):
            sink.add(
                Organization.service_categories.through,
                organization_id=org_id,
                servicecategory_id=category.pk,
            )
        member = city.user("org", display_name=city.name(), group=Role.ORGANIZATION_MEMBER)
        sink.add(Membership, user_id=member, organization_id=org_id, role="admin")
        listed = False
        if verification == "verified" and rng.random() < 0.4:
            granted = base - datetime.timedelta(days=rng.randint(30, 1700))
            sink.add(
                EvaluationGrade,
                organization_id=org_id,
                grade=rng.choice((2, 3, 3, 4, 4, 5)),
                granted_on=granted,
                expires_on=granted + datetime.timedelta(days=5 * 365),
                certificate_no=f"BENCH-PG-{index:06d}",
            )
        for year in range(base.year - 3, base.year):
            if founded.year < year and rng.random() < 0.93:
                sink.add(
                    AnnualReport,
                    organization_id=org_id,
                    year=year,
                    submitted_on=datetime.date(year + 1, 5, rng.randint(1, 28)),
                    conclusion=rng.choice(
                        (ReportConclusion.PASSED, ReportConclusion.PASSED, ReportConclusion.BASICALLY_PASSED)
                    ),
                )
        roll = rng.random()
        if roll < 0.05:
            listed_on = base - datetime.timedelta(days=rng.randint(10, 900))
            serious = roll < 0.012
            removed = (
                None if rng.random() < 0.7 else listed_on + datetime.timedelta(days=rng.randint(30, 300))
            )
            if removed and removed > base:
                removed = None
            sink.add(
                CreditListEntry,
                organization_id=org_id,
                list_type="serious" if serious else "abnormal",
                trigger="large_fine" if serious else "annual_report_missing",
                trigger_key="" if serious else f"annual_report:{listed_on.year - 1}",
                listed_on=listed_on,
                reason="基准数据：未按时提交年度报告" if not serious else "基准数据：受到较大数额罚款",
                deciding_authority=f"{district.name}民政局",
                requires_rectification=not serious,
                rectified_on=removed,
                removed_on=removed,
                removal_reason="已整改" if removed else "",
            )
            listed = removed is None
        eligible = verification == "verified" and registration == "normal" and not listed
        city.orgs.append((org_id, founded, eligible, member, name, uscc))
        city.sink.checkpoint()
    city.eligible_orgs = [o for o in city.orgs if o[2]]
    city.say(f"organizations: {count}")


def _id_number(index: int, region: str, *, offset: int = 0) -> str:
    """A valid, unique resident ID number for the index: birth dates spread over 1955–2001, the
    sequence digits from the index (unique for up to 17,000 × 1,000 indexes per offset block)."""
    from core.identity import id_number_check_char

    k = index + offset
    sequence = k % 1000
    day = (k // 1000) * 37 % 17000
    birth = datetime.date(1955, 1, 1) + datetime.timedelta(days=day)
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_char(first17)


class IdProtector:
    """`core.identity.id_number_protect` with its keys and cipher made once (the same AES-GCM
    ciphertext, keyed HMAC, mask and birth date; the number's validity is the generator's)."""

    def __init__(self):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        from core import identity

        self.identity = identity
        self.aes = AESGCM(identity._encryption_key())
        self.hmac_key = identity._hmac_key()

    def __call__(self, number: str):
        identity = self.identity
        nonce = os.urandom(identity._NONCE_BYTES)
        sealed = self.aes.encrypt(nonce, number.encode(), identity._CIPHER_VERSION.encode())
        ciphertext = f"{identity._CIPHER_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode()
        digest = hmac_module.new(self.hmac_key, number.encode(), hashlib.sha256).hexdigest()
        return ciphertext, digest, identity.id_number_mask(number), identity.id_number_birth_date(number)


def _experts(city: City) -> None:
    from accounts.roles import Role
    from procurement.models import Expert

    rng, sink = city.rng, city.sink
    count = scaled("experts", city.scale)
    city.experts = []
    for _index in range(count):
        name = city.name()
        user = city.user("expert", display_name=name, group=Role.EXPERT)
        expert = sink.add(
            Expert,
            user_id=user,
            name=name,
            title=rng.choice(("教授", "副教授", "高级社会工作师", "主任医师", "高级会计师")),
            employer=rng.choice(("南京大学", "东南大学", "河海大学", "市社会工作协会", "市第一医院")),
            qualifications="",
            phone=city.phone(),
            active=rng.random() < 0.95,
            created_at=city.now - datetime.timedelta(days=rng.randint(30, 3000)),
        )
        for category in rng.sample(city.ref.categories, min(2, len(city.ref.categories))):
            sink.add(Expert.categories.through, expert_id=expert, servicecategory_id=category.pk)
        city.experts.append((expert, user, name))
        city.sink.checkpoint()
    city.say(f"experts: {count}")


def _pages_setup(city: City):
    from django.contrib.contenttypes.models import ContentType

    from cms.calls import CallForBidsIndexPage, CallForBidsPage
    from cms.plans import PurchasingPlanIndexPage, PurchasingPlanPage

    def parent(model, child_model):
        index = model.objects.first()
        if index is None:
            return None
        last = index.get_children().order_by("-path").values_list("path", flat=True).first()
        next_step = int(last[-4:], 36) + 1 if last else 1
        return SimpleNamespace(
            page=index,
            next_step=next_step,
            added=0,
            content_type=ContentType.objects.get_for_model(child_model).pk,
            child_model=child_model,
        )

    city.call_index = parent(CallForBidsIndexPage, CallForBidsPage)
    city.plan_index = parent(PurchasingPlanIndexPage, PurchasingPlanPage)


def _add_page(city: City, index, *, title: str, slug: str, when, **child) -> int | None:
    """A live child page of `index`, its tree path computed as treebeard does (steplen 4, base 36)."""
    from wagtail.models import Page

    if index is None:
        return None
    step = index.next_step
    index.next_step += 1
    index.added += 1
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    code = ""
    while step:
        step, rest = divmod(step, 36)
        code = digits[rest] + code
    path = index.page.path + code.rjust(4, "0")
    pk = city.sink.add(
        Page,
        path=path,
        depth=index.page.depth + 1,
        numchild=0,
        translation_key=uuid.UUID(int=city.rng.getrandbits(128), version=4),
        locale_id=index.page.locale_id,
        live=True,
        has_unpublished_changes=False,
        first_published_at=when,
        last_published_at=when,
        latest_revision_created_at=when,
        title=title,
        draft_title=title,
        slug=slug,
        content_type_id=index.content_type,
        url_path=f"{index.page.url_path}{slug}/",
        show_in_menus=False,
        seo_title="",
        search_description="",
    )
    city.sink.add(index.child_model, page_ptr_id=pk, intro="", **child)
    return pk


def _finish_pages(city: City) -> None:
    from wagtail.models import Page

    for index in (city.call_index, city.plan_index):
        if index is not None and index.added:
            page = index.page  # treebeard's get_children() trusts the stale numchild: count by path
            children = Page.objects.filter(path__startswith=page.path, depth=page.depth + 1).count()
            Page.objects.filter(pk=page.pk).update(numchild=children)


def _tenders(city: City) -> None:
    """Plans and budget lines, tenders with lots and criteria (and their pages), sealing keys and
    sealed bids, openings, panels, reports, awards, contracts with milestones and payments."""
    from procurement.models import (
        Award,
        Bid,
        BidOpening,
        BudgetLine,
        Contract,
        EvaluationReport,
        Lot,
        Milestone,
        Panel,
        Payment,
        PurchasingPlan,
        ScoringCriterion,
        Tender,
        TenderSealingKey,
    )
    from procurement.tendering import sealing

    rng, sink, ref, base = city.rng, city.sink, city.ref, city.base_date
    tenders = scaled("tenders", city.scale)
    bids_target = scaled("bids", city.scale)
    contracts_target = scaled("contracts", city.scale)
    milestones_target = scaled("milestones", city.scale)
    _pages_setup(city)

    # plans: one per department and year over ten years
    plans = {}
    for department in ref.departments:
        for year in range(base.year - 10, base.year + 1):
            pk = sink.add(
                PurchasingPlan,
                department_id=department.pk,
                year=year,
                title=f"{department.name}{year}年度政府购买服务计划",
                notes="",
                created_at=aware(datetime.date(year - 1, 12, 1)),
                created_by_id=city.officers[department.pk],
            )
            plans[(department.pk, year)] = pk
            _add_page(
                city,
                city.plan_index,
                title=f"{department.name}{year}年度采购意向",
                slug=f"bench-plan-{pk}",
                when=aware(datetime.date(year - 1, 12, 15)),
                plan_id=pk,
            )

    # tender ages spread over ten years, oldest first; the last few weeks are still bidding
    days = sorted(rng.randint(1, 3650) for _ in range(tenders))[::-1]
    # a few tenders whose deadline has just passed: closed, bids still sealed (the opening's input)
    closed = set(rng.sample(range(tenders), max(1, round(tenders * 0.0025))))
    old_tenders = sum(1 for age in days if age >= 60)  # the oldest come first
    contracts_made = 0
    milestones_made = 0
    bids_made = 0
    city.contracts = []  # (id, organization, department, category, starts, ends)
    city.sealed_closed = []
    signed_statuses = ("signed", "active", "completed")
    for number, age in enumerate(days):
        department = rng.choice(ref.departments)
        category = rng.choice(ref.categories)
        catalogue = ref.catalogue.get(category.pk) or [None]
        method = rng.choice(ref.methods)
        if number in closed:
            age = max(method.minimum_bidding_period + 2, 22) + 3
        created = city.now - datetime.timedelta(days=age, hours=rng.randint(0, 8))
        service = rng.choice(SERVICES)
        n_lots = rng.choices((1, 2, 3), (0.85, 0.12, 0.03))[0]
        ceilings = [money(rng.randint(50, 3000) * 1000) for _ in range(n_lots)]
        # status by age
        published = created + datetime.timedelta(days=2)
        deadline = published + datetime.timedelta(days=max(method.minimum_bidding_period + 2, 22), hours=1)
        if deadline > city.now + datetime.timedelta(days=1):
            status = "published"
        elif deadline > city.now - datetime.timedelta(days=2):
            status = "closed"
        elif age < 60:
            status = rng.choices(("opened", "evaluating", "awarded", "failed"), (0.1, 0.2, 0.6, 0.1))[0]
        else:
            # the share awarded follows what is still needed to reach the contracts' count
            needed = contracts_target - contracts_made
            award_share = min(0.97, max(0.0, needed / max(1.0, (old_tenders - number) * 1.18)))
            roll = rng.random()
            status = (
                "awarded"
                if roll < award_share
                else ("failed" if roll < award_share + (1 - award_share) * 0.7 else "cancelled")
            )
        if age < 30 and rng.random() < 0.03 and number not in closed:
            status = "draft"
        if status == "draft":
            published = deadline = None
        year = (published or created).year
        year = min(max(year, base.year - 10), base.year)
        plan_id = plans[(department.pk, year)]
        line = sink.new_id(BudgetLine)
        tender_id = sink.new_id(Tender)
        title = f"{department.name}{service}项目（{number + 1:06d}）"
        sink.add(
            Tender,
            id=tender_id,
            reference=f"BENCH-{year}-{number + 1:06d}",
            title=title,
            department_id=department.pk,
            budget_line_id=line,
            method_id=method.pk,
            ceiling=sum(ceilings),
            service_description=f"{service}：为辖区居民提供专业服务。",
            service_period_start=(deadline or created).date() + datetime.timedelta(days=30),
            service_period_end=(deadline or created).date() + datetime.timedelta(days=395),
            location=department.name,
            min_grade=None,
            min_years_registered=1,
            other_eligibility="",
            contact_name=city.name(),
            contact_phone=city.phone(),
            contact_email="",
            bid_deadline=deadline,
            status=status,
            status_changed_at=min(city.now, (deadline or created) + datetime.timedelta(days=3)),
            published_at=published,
            bids_reconfirm_after=None,
            created_at=created,
            created_by_id=city.officers[department.pk],
        )
        if status != "draft":
            _add_page(
                city,
                city.call_index,
                title=title,
                slug=f"bench-call-{tender_id}",
                when=published,
                tender_id=tender_id,
            )
        # bids
        public_key = None
        if status not in ("draft", "cancelled") and city.eligible_orgs:
            public_key, wrapped = sealing.new_tender_key(tender_id)
            sink.add(
                TenderSealingKey,
                tender_id=tender_id,
                public_key=public_key,
                wrapped_key=wrapped,
                key_version=sealing.KEY_VERSION,
                created_at=published + datetime.timedelta(hours=5),
            )
        key = SimpleNamespace(public_key=public_key, tender_id=tender_id)
        reserved_total = Decimal(0)
        committed_total = Decimal(0)
        paid_total = Decimal(0)
        opening_lots = []
        opened = status in ("opened", "evaluating", "awarded", "failed")
        for lot_number, ceiling in enumerate(ceilings, start=1):
            lot_id = sink.new_id(Lot)
            lot_bids = []
            if public_key is not None:
                # bids still to place over the lots still to come (about 1.18 a tender, 95% bid on)
                per_lot = (bids_target - bids_made) / max(
                    1.0, (tenders - number) * 1.18 * 0.95 - lot_number + 1
                )
                drawn = rng.choices(range(1, 7), WEEK_CHOICES)[0] * per_lot / 3.48
                wanted = max(1, int(drawn) + (rng.random() < drawn - int(drawn)))
                if status == "failed":
                    wanted = min(wanted, max(0, method.minimum_bids - 1))
                wanted = min(wanted, len(city.eligible_orgs))
                for org in rng.sample(city.eligible_orgs, wanted):
                    price = money(ceiling * Decimal(rng.randint(780, 1000)) / 1000)
                    bid_id = sink.new_id(Bid)
                    submitted = published + datetime.timedelta(
                        days=rng.randint(1, 15), minutes=rng.randint(0, 600)
                    )
                    if submitted >= deadline:
                        submitted = deadline - datetime.timedelta(hours=rng.randint(1, 20))
                    payload = {
                        "price": str(price),
                        "proposal": f"{org[4]}关于{service}的服务方案。",
                        "contact_name": city.name(),
                        "contact_phone": city.phone(),
                        "qualification_documents": [],
                        "team": [],
                        "files": [],
                    }
                    aad = f"bid:{tender_id}:{lot_id}:{org[0]}".encode()
                    sealed = sealing.seal_json(key, payload, aad=aad)
                    lot_bids.append((bid_id, org, price, submitted, sealed))
            # the lot itself (its reserved amount depends on what happens below)
            award_bid = None
            if status == "awarded" and lot_bids:
                award_bid = min(lot_bids, key=lambda b: (b[2], b[0]))
            contract = None
            if award_bid is not None and contracts_made < contracts_target:
                contract = True
            lot_reserved = Decimal(0)
            if status in ("published", "closed", "opened", "evaluating"):
                lot_reserved = ceiling
            elif award_bid is not None and contract is None:
                lot_reserved = award_bid[2]
            sink.add(
                Lot,
                id=lot_id,
                tender_id=tender_id,
                number=lot_number,
                title=f"第{lot_number}包" if n_lots > 1 else "",
                description="",
                ceiling=ceiling,
                reserved_amount=lot_reserved,
                awarded_amount=award_bid[2] if award_bid else None,
            )
            reserved_total += lot_reserved
            # scoring sheet: price plus 3–5 non-price criteria, 100 points
            price_points = Decimal(rng.choice((30, 30, 40, 50)))
            sink.add(
                ScoringCriterion,
                lot_id=lot_id,
                name="价格",
                description="",
                max_points=price_points,
                is_price=True,
                is_objective=True,
                sort_order=0,
            )
            parts = rng.randint(3, 5)
            remaining = Decimal(100) - price_points
            for index in range(parts):
                points = (
                    remaining
                    if index == parts - 1
                    else money(remaining / (parts - index)).quantize(Decimal("1"))
                )
                remaining -= points
                sink.add(
                    ScoringCriterion,
                    lot_id=lot_id,
                    name=("服务方案", "项目团队", "过往业绩", "管理制度", "应急预案")[index],
                    description="",
                    max_points=points,
                    is_price=False,
                    is_objective=index == 2,
                    sort_order=index + 1,
                )
            for bid_id, org, price, submitted, sealed in lot_bids:
                sink.add(
                    Bid,
                    id=bid_id,
                    tender_id=tender_id,
                    lot_id=lot_id,
                    organization_id=org[0],
                    status="submitted",
                    submitted_at=submitted,
                    submitted_by_id=org[3],
                    reconfirmed_at=submitted,
                    replaces_id=None,
                    withdrawn_at=None,
                    ciphertext=sealed.ciphertext,
                    nonce=sealed.nonce,
                    receipt_hash=sealing.receipt_hash(sealed, []),
                    eligibility_checked_at=submitted,
                    opened_at=deadline if opened else None,
                    price=price if opened else None,
                    responsive=True if opened else None,
                    team=[],
                    nonresponsive_reason="",
                )
                bids_made += 1
                if status == "closed":
                    city.sealed_closed.append(tender_id)
            if opened:
                opening_lots.append(
                    {
                        "lot": lot_id,
                        "number": lot_number,
                        "title": f"第{lot_number}包" if n_lots > 1 else f"Lot {lot_number}",
                        "responsive": len(lot_bids),
                        "failed": len(lot_bids) < method.minimum_bids,
                        "bids": [
                            {
                                "bid": b[0],
                                "organization": b[1][0],
                                "name": b[1][4],
                                "uscc": b[1][5],
                                "price": str(b[2]),
                                "responsive": True,
                                "reason": "",
                            }
                            for b in lot_bids
                        ],
                        "late": [],
                    }
                )
            if award_bid is None:
                continue
            # panel, report, award
            report_at = deadline + datetime.timedelta(days=3)
            panel = sink.add(
                Panel,
                tender_id=tender_id,
                lot_id=lot_id,
                size=method.panel_minimum_size,
                external_count=method.panel_minimum_size - 1,
                status="finalized",
                created_at=deadline + datetime.timedelta(days=1),
                created_by_id=city.officers[department.pk],
                finalized_at=report_at,
            )
            ranked = sorted(lot_bids, key=lambda b: (b[2], b[0]))
            results = {
                "method": "rated",
                "criteria": [],
                "members": [],
                "bids": [
                    {
                        "bid": b[0],
                        "organization": b[1][0],
                        "name": b[1][4],
                        "price": str(b[2]),
                        "price_score": str(price_points),
                        "criteria": {},
                        "scores": {},
                        "non_price": "0",
                        "total": str(price_points),
                        "rank": rank,
                        "tied": False,
                        "responsive": True,
                        "reason": "",
                    }
                    for rank, b in enumerate(ranked, start=1)
                ],
                "ties": [],
            }
            html = f"<h1>{title} 评审报告</h1>"
            pdf = b"%PDF-1.4 bench report"
            report = sink.add(
                EvaluationReport,
                panel_id=panel,
                lot_id=lot_id,
                number=1,
                results=results,
                html=html,
                pdf=pdf,
                html_sha256=hashlib.sha256(html.encode()).hexdigest(),
                pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                created_at=report_at,
                created_by_id=city.officers[department.pk],
                superseded_at=None,
            )
            notice_at = report_at + datetime.timedelta(days=3)
            award = sink.add(
                Award,
                tender_id=tender_id,
                lot_id=lot_id,
                report_id=report,
                bid_id=award_bid[0],
                organization_id=award_bid[1][0],
                amount=award_bid[2],
                rank=1,
                deviation_reason="",
                status="confirmed",
                created_at=report_at,
                confirm_due_on=(report_at + datetime.timedelta(days=7)).date(),
                confirmed_at=report_at + datetime.timedelta(days=1),
                confirmed_by_id=city.officers[department.pk],
                notice_due_on=(report_at + datetime.timedelta(days=5)).date(),
                notice_published_at=notice_at if notice_at < city.now else None,
                challenge_window_ends_on=(notice_at + datetime.timedelta(days=7)).date(),
                cancelled_at=None,
                cancel_reason="",
            )
            if contract is None:
                continue
            # the contract, its milestones and payments
            amount = award_bid[2]
            signed = notice_at + datetime.timedelta(days=rng.randint(3, 25))
            starts = signed.date() + datetime.timedelta(days=7)
            ends = starts + datetime.timedelta(days=rng.choice((180, 365, 365, 730)))
            if signed >= city.now:
                contract_status = "draft"
            elif ends < base:
                contract_status = "completed" if rng.random() < 0.97 else "terminated"
            else:
                contract_status = "active"
            advance_share = Decimal(rng.choice((0, 0, 20, 30)))
            remaining_ms = milestones_target - milestones_made
            remaining_contracts = contracts_target - contracts_made
            n_ms = max(1, min(12, round(remaining_ms / max(1, remaining_contracts)) + rng.randint(-1, 1)))
            contract_id = sink.new_id(Contract)
            is_signed = contract_status in signed_statuses or contract_status == "terminated"
            paid = Decimal(0)
            payments = []
            if is_signed and advance_share:
                advance = (amount * advance_share / 100).quantize(CENT, ROUND_DOWN)
                payments.append(("advance", None, advance, starts))
                paid += advance
            shares = _split(Decimal(100) - advance_share, n_ms)
            milestone_rows = []
            span = (ends - starts).days
            for ms_number, share in enumerate(shares, start=1):
                due = starts + datetime.timedelta(days=span * ms_number // n_ms)
                if not is_signed:
                    ms_status = "scheduled"
                elif due < base - datetime.timedelta(days=20):
                    ms_status = "met" if rng.random() < 0.95 else "accepted"
                elif due < base:
                    ms_status = rng.choice(("submitted", "accepted", "scheduled"))
                else:
                    ms_status = "scheduled"
                ms_id = sink.new_id(Milestone)
                accepted_at = (
                    aware(due - datetime.timedelta(days=2)) if ms_status in ("accepted", "met") else None
                )
                milestone_rows.append(
                    dict(
                        id=ms_id,
                        contract_id=contract_id,
                        number=ms_number,
                        deliverable=f"第{ms_number}阶段服务成果报告",
                        due_on=due,
                        payment_share=share,
                        status=ms_status,
                        submitted_at=aware(due - datetime.timedelta(days=5))
                        if ms_status != "scheduled"
                        else None,
                        accepted_at=accepted_at,
                        accepted_by_id=city.officers[department.pk] if accepted_at else None,
                    )
                )
                if ms_status == "met":
                    value = (amount * share / 100).quantize(CENT, ROUND_DOWN)
                    if ms_number == n_ms and all(r["status"] == "met" for r in milestone_rows):
                        value = amount - paid  # the last payment settles the rounding
                    if value > 0:
                        payments.append(("milestone", ms_id, value, due))
                        paid += value
            assert paid <= amount
            sink.add(
                Contract,
                id=contract_id,
                award_id=award,
                tender_id=tender_id,
                lot_id=lot_id,
                department_id=department.pk,
                organization_id=award_bid[1][0],
                reference=f"BENCH-HT-{year}-{contracts_made + 1:06d}",
                title=title if n_lots == 1 else f"{title} 第{lot_number}包",
                status=contract_status,
                original_amount=amount,
                amount=amount,
                amount_paid=paid,
                advance_share=advance_share,
                starts_on=starts,
                ends_on=ends,
                is_continuing_service=(ends - starts).days > 365,
                continuing_reason="连续性服务" if (ends - starts).days > 365 else "",
                service_standard="按照合同约定的服务标准提供服务。",
                report_schedule="quarterly",
                requires_recipient_opinion=False,
                purchaser_signatory=city.name() if is_signed else "",
                supplier_signatory=city.name() if is_signed else "",
                contact_phone=city.phone(),
                sign_due_on=(notice_at + datetime.timedelta(days=30)).date(),
                signed_at=signed if is_signed else None,
                signed_by_id=city.officers[department.pk] if is_signed else None,
                supplier_signed_at=signed - datetime.timedelta(days=1) if is_signed else None,
                supplier_signed_by_id=award_bid[1][3] if is_signed else None,
                publish_due_on=(signed + datetime.timedelta(days=2)).date() if is_signed else None,
                published_at=signed + datetime.timedelta(days=1) if is_signed else None,
                completed_at=aware(ends) if contract_status == "completed" else None,
                terminated_at=aware(ends) if contract_status == "terminated" else None,
                termination_reason="协商一致解除" if contract_status == "terminated" else "",
                created_at=notice_at + datetime.timedelta(days=1),
                created_by_id=city.officers[department.pk],
            )
            for row in milestone_rows:
                sink.add(Milestone, **row)
            for kind, ms_id, value, paid_on in payments:
                sink.add(
                    Payment,
                    contract_id=contract_id,
                    kind=kind,
                    milestone_id=ms_id,
                    amount=value,
                    treasury_reference=f"GK{contract_id:08d}{len(kind)}{ms_id or 0}",
                    paid_on=min(paid_on, base),
                    recorded_at=aware(min(paid_on, base)),
                    recorded_by_id=city.officers[department.pk],
                )
            if contract_status == "active":
                _progress_reports(city, contract_id, starts, ends, award_bid[1][3])
            contracts_made += 1
            milestones_made += len(milestone_rows)
            if is_signed:
                committed_total += amount
                paid_total += paid
            else:
                reserved_total += amount
            if contract_status == "active":
                city.contracts.append((contract_id, award_bid[1][0], department.pk, starts, ends))
        if opened:
            sink.add(
                BidOpening,
                tender_id=tender_id,
                opened_at=deadline + datetime.timedelta(minutes=1),
                opened_by_id=None,
                bid_count=sum(len(lot["bids"]) for lot in opening_lots),
                responsive_count=sum(len(lot["bids"]) for lot in opening_lots),
                failed=status == "failed",
                record={"minimum_bids": method.minimum_bids, "lots": opening_lots, "late_count": 0},
            )
        amount = money(sum(ceilings) * Decimal(rng.randint(100, 130)) / 100)
        sink.add(
            BudgetLine,
            id=line,
            plan_id=plan_id,
            title=title,
            category_id=category.pk,
            catalogue_item_id=rng.choice(catalogue).pk if catalogue[0] else None,
            description="",
            amount=amount,
            funding_source=rng.choice(("general_budget", "general_budget", "lottery_welfare_fund")),
            planned_start=created.date(),
            intention_published_at=created - datetime.timedelta(days=40),
            reserved_amount=reserved_total,
            committed_amount=committed_total,
            paid_amount=paid_total,
            sort_order=0,
        )
        city.sink.checkpoint()
        if (number + 1) % 2000 == 0:
            city.say(f"  tenders {number + 1}/{tenders}, bids {bids_made}, contracts {contracts_made}")
    city.sealed_closed = sorted(set(city.sealed_closed))
    city.say(
        f"tenders: {tenders}, bids: {bids_made}, contracts: {contracts_made}, milestones: {milestones_made}"
    )


def _progress_reports(city: City, contract_id: int, starts, ends, member: int) -> None:
    """The quarterly progress reports of a running contract up to the next one due: the past ones
    submitted (most reviewed), the current one due (a few overdue, for the lights and reminders)."""
    from procurement.models import ProgressReport

    rng, base = city.rng, city.base_date
    number, period_start = 1, starts
    while period_start <= min(ends, base):
        period_end = min(ends, period_start + datetime.timedelta(days=90))
        due = period_end + datetime.timedelta(days=10)
        done = due < base and rng.random() < 0.93
        submitted = aware(due - datetime.timedelta(days=rng.randint(0, 5))) if done else None
        reviewed = submitted + datetime.timedelta(days=3) if done and rng.random() < 0.8 else None
        city.sink.add(
            ProgressReport,
            contract_id=contract_id,
            number=number,
            period_start=period_start,
            period_end=period_end,
            due_on=due,
            status="reviewed" if reviewed else ("submitted" if done else "due"),
            work_done="按计划开展服务。" if done else "",
            people_served=rng.randint(20, 500) if done else None,
            issues="",
            next_steps="",
            submitted_at=submitted,
            submitted_by_id=member if done else None,
            review_note="",
            reviewed_at=reviewed,
        )
        number += 1
        period_start = period_end + datetime.timedelta(days=1)


def _split(total: Decimal, parts: int) -> list[Decimal]:
    """`total` (two decimals) in `parts` shares that sum to it exactly."""
    each = (total / parts).quantize(CENT, ROUND_DOWN)
    shares = [each] * parts
    shares[-1] = total - each * (parts - 1)
    return shares


def _volunteers(city: City) -> None:
    from accounts.roles import Role
    from volunteers.models import (
        AvailabilitySlot,
        OrganizationVolunteer,
        SocialWorker,
        Team,
        TeamMembership,
        Volunteer,
    )

    rng, sink, ref = city.rng, city.sink, city.ref
    count = scaled("volunteers", city.scale)
    protect = IdProtector()
    first_id = None
    # Weekly availability (matching's hard filter): one to three windows each, drawn from their own
    # generator so that adding them left every other generated row as it was.
    windows_rng = random.Random(f"availability-{city.seed}")
    windows_made = 0
    for index in range(count):
        name = city.name()
        district = rng.choice(ref.districts)
        user = city.user("vol", display_name=name, group=Role.VOLUNTEER, phone=city.phone())
        number = _id_number(index, district.code)
        ciphertext, digest, masked, birth = protect(number)
        registered = city.now - datetime.timedelta(days=rng.randint(1, 3650))
        pk = sink.add(
            Volunteer,
            user_id=user,
            number=f"BV{index + 1:09d}",
            real_name=name,
            id_ciphertext=ciphertext,
            id_hmac=digest,
            id_masked=masked,
            birth_date=birth,
            phone=city.phone(),
            languages=["普通话"],
            emergency_name=city.name(),
            emergency_phone=city.phone(),
            public_name=rng.random() < 0.3,
            public_hours=rng.random() < 0.3,
            status="active" if rng.random() < 0.97 else "suspended",
            verified_minutes=0,
            registered_at=registered,
            registered_by_org_id=None,
        )
        if first_id is None:
            first_id = pk
        for service_type in rng.sample(ref.service_types, min(len(ref.service_types), rng.randint(1, 3))):
            sink.add(
                Volunteer.service_types.through, volunteer_id=pk, volunteerservicetype_id=service_type.pk
            )
        sink.add(Volunteer.districts.through, volunteer_id=pk, district_id=district.pk)
        for weekday in sorted(windows_rng.sample(range(7), windows_rng.randint(1, 3))):
            start, end = windows_rng.choice(WEEKLY_WINDOWS)
            sink.add(AvailabilitySlot, volunteer_id=pk, weekday=weekday, start_time=start, end_time=end)
            windows_made += 1
        if rng.random() < 0.1 and city.eligible_orgs:
            sink.add(
                OrganizationVolunteer,
                organization_id=rng.choice(city.eligible_orgs)[0],
                volunteer_id=pk,
                created_at=registered,
            )
        city.sink.checkpoint()
        if (index + 1) % 50000 == 0:
            city.say(f"  volunteers {index + 1}/{count}")
    city.volunteer_ids = range(first_id, first_id + count)  # consecutive: one sink, one table
    # social workers and their teams
    workers = scaled("social_workers", city.scale)
    city.teams = []
    for index in range(workers):
        name = city.name()
        user = city.user("sw", display_name=name, group=Role.SOCIAL_WORKER)
        registered = city.base_date - datetime.timedelta(days=rng.randint(100, 2000))
        org = rng.choice(city.eligible_orgs)[0] if city.eligible_orgs else None
        worker = sink.add(
            SocialWorker,
            user_id=user,
            real_name=name,
            level=rng.choice(("assistant", "social_worker", "senior")),
            certificate_no=f"BENCH-SW-{index + 1:07d}",
            registered_on=registered,
            valid_until=registered + datetime.timedelta(days=3 * 365),
            organization_id=org,
            verified_at=aware(registered),
            verified_by_id=city.admin,
        )
        team = sink.add(
            Team,
            name=f"{name}志愿服务队",
            leader_id=worker,
            organization_id=org,
            created_at=aware(registered),
        )
        for volunteer in rng.sample(city.volunteer_ids, min(20, count)):
            sink.add(TeamMembership, team_id=team, volunteer_id=volunteer, joined_at=aware(registered))
        city.teams.append((team, user, org))
        city.sink.checkpoint()
    city.say(f"volunteers: {count} ({windows_made} weekly windows), social workers: {workers}")


def _volunteering(city: City) -> None:
    """Projects (some under contracts), needs, slots, sign-ups and hour records."""
    from volunteers.models import HourRecord, Need, NeedSlot, ServiceProject, SignUp

    rng, sink, ref = city.rng, city.sink, city.ref
    projects = scaled("projects", city.scale)
    needs = scaled("needs", city.scale)
    hours_target = scaled("hour_records", city.scale)
    slots_per_need = 5
    open_needs = max(1, needs // 20)
    past_slots = max(1, (needs - open_needs) * slots_per_need) if needs > open_needs else 1
    per_slot, extra = divmod(hours_target, past_slots)
    volunteer_ids = city.volunteer_ids
    project_rows = []
    for index in range(projects):
        roll = rng.random()
        contract = None
        if roll < 0.15 and city.contracts:
            contract = rng.choice(city.contracts)
            owner = {"organization_id": contract[1], "department_id": None, "contract_id": contract[0]}
            creator = city.org_members.get(contract[1], city.admin)
        elif roll < 0.7 and city.eligible_orgs:
            org = rng.choice(city.eligible_orgs)
            owner = {"organization_id": org[0], "department_id": None, "contract_id": None}
            creator = org[3]
        else:
            department = rng.choice(ref.departments)
            owner = {"organization_id": None, "department_id": department.pk, "contract_id": None}
            creator = city.officers[department.pk]
        team = rng.choice(city.teams) if city.teams and rng.random() < 0.5 else None
        pk = sink.add(
            ServiceProject,
            title=f"{rng.choice(('社区关爱', '助老助残', '环境保护', '文明实践', '应急救援'))}志愿服务项目{index + 1:05d}",
            team_id=team[0] if team else None,
            responsible_person=city.name(),
            contact_phone=city.phone(),
            created_at=city.now - datetime.timedelta(days=rng.randint(30, 3650)),
            **owner,
        )
        project_rows.append((pk, creator, team[1] if team else creator))
        city.sink.checkpoint()
    hours_made = 0
    signups_made = 0
    slot_index = 0
    service_types = ref.service_types
    for index in range(needs):
        project, creator, verifier = rng.choice(project_rows)
        is_open = index >= needs - open_needs
        start_day = (
            city.base_date + datetime.timedelta(days=rng.randint(3, 30))
            if is_open
            else city.base_date - datetime.timedelta(days=rng.randint(2, 3600))
        )
        service_type = rng.choice(service_types)
        qualified = bool(service_type.requires_qualification)
        district = rng.choice(ref.districts)
        need = sink.add(
            Need,
            project_id=project,
            title=f"{district.name}{service_type.name}志愿者招募{index + 1:06d}",
            role="志愿者",
            description="协助开展志愿服务活动。",
            service_type_id=service_type.pk,
            requires_qualification=qualified,
            required_training="",
            district_id=district.pk,
            address=f"南京市{district.name}志愿路{index % 300 + 1}号",
            district_required=False,
            headcount=per_slot + 6,
            min_age=18,
            risk_level="low",
            insurance_policy_no="",
            insurance_insurer="",
            insurance_recorded_at=None,
            requires_approval=qualified,
            signup_closes_at=aware(start_day - datetime.timedelta(days=1), 18),
            status="open" if is_open else "closed",
            cancel_reason="",
            created_by_id=creator,
            created_at=aware(start_day - datetime.timedelta(days=14)),
        )
        for skill in rng.sample(ref.skills, rng.choice((0, 1, 2))):
            sink.add(Need.skills.through, need_id=need, skill_id=skill.pk)
        for slot_number in range(slots_per_need):
            day = start_day + datetime.timedelta(days=7 * slot_number)
            start_hour = rng.choice((8, 9, 14))
            length = rng.choice((2, 3, 4))
            starts, ends = aware(day, start_hour), aware(day, start_hour + length)
            attendees = 0 if is_open else per_slot + (1 if slot_index < extra else 0)
            if not is_open:
                slot_index += 1
            headcount = max(attendees, per_slot) + rng.randint(0, 6)
            slot = sink.add(
                NeedSlot,
                need_id=need,
                starts_at=starts,
                ends_at=ends,
                headcount=max(1, headcount),
                checkin_code=f"{rng.randrange(10**6):06d}",
            )
            if is_open:
                for volunteer in rng.sample(
                    volunteer_ids, min(len(volunteer_ids), rng.randint(0, max(1, headcount // 2)))
                ):
                    sink.add(
                        SignUp,
                        slot_id=slot,
                        volunteer_id=volunteer,
                        status="confirmed",
                        via_invitation=False,
                        created_at=city.now - datetime.timedelta(days=1),
                        waitlisted_at=None,
                        decided_by_id=None,
                        cancelled_at=None,
                    )
                    signups_made += 1
                continue
            minutes = length * 60
            for volunteer in rng.sample(volunteer_ids, min(len(volunteer_ids), attendees)):
                signup = sink.add(
                    SignUp,
                    slot_id=slot,
                    volunteer_id=volunteer,
                    status="attended",
                    via_invitation=False,
                    created_at=starts - datetime.timedelta(days=3),
                    waitlisted_at=None,
                    decided_by_id=None,
                    cancelled_at=None,
                )
                roll = rng.random()
                status = "verified" if roll < 0.85 else ("pending" if roll < 0.95 else "rejected")
                sink.add(
                    HourRecord,
                    signup_id=signup,
                    volunteer_id=volunteer,
                    slot_id=slot,
                    method="checkin",
                    check_in_at=starts,
                    check_out_at=ends,
                    minutes=minutes,
                    is_manual=False,
                    auto_closed=False,
                    status=status,
                    recorded_by_id=creator,
                    verified_by_id=verifier if status != "pending" else None,
                    verified_at=ends + datetime.timedelta(days=1) if status != "pending" else None,
                    rejection_reason="未按时签到" if status == "rejected" else "",
                    created_at=ends,
                )
                signups_made += 1
                hours_made += 1
        city.sink.checkpoint()
        if (index + 1) % 2000 == 0:
            city.say(f"  needs {index + 1}/{needs}, hour records {hours_made}")
    city.say(f"projects: {projects}, needs: {needs}, sign-ups: {signups_made}, hour records: {hours_made}")


def _verified_minutes(city: City) -> None:
    """Each volunteer's `verified_minutes` is the sum of their verified hour records (one statement)."""
    from django.db import connection

    sink = city.sink
    sink.flush()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE volunteers_volunteer v SET verified_minutes = s.m FROM "
                "(SELECT volunteer_id, SUM(minutes) AS m FROM volunteers_hourrecord WHERE status = 'verified' "
                "GROUP BY volunteer_id) s WHERE v.id = s.volunteer_id AND v.id >= %s",
                [city.volunteer_ids.start],
            )
        else:
            cursor.execute(
                "UPDATE volunteers_volunteer SET verified_minutes = COALESCE((SELECT SUM(h.minutes) FROM "
                "volunteers_hourrecord h WHERE h.volunteer_id = volunteers_volunteer.id AND h.status = 'verified'), 0) "
                "WHERE id >= %s",
                [city.volunteer_ids.start],
            )


def _public_reports(city: City) -> None:
    from procurement.models import PublicReport, Tender

    rng, sink = city.rng, city.sink
    count = scaled("public_reports", city.scale)
    sink.flush()
    tender_ids = list(
        Tender.objects.filter(reference__startswith="BENCH-")
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
    contracts = [c[0] for c in city.contracts]
    for index in range(count):
        filed = city.now - datetime.timedelta(days=rng.randint(0, 1800))
        roll = rng.random()
        if roll < 0.4 and tender_ids:
            target = {"target_kind": "tender", "tender_id": rng.choice(tender_ids)}
        elif roll < 0.7 and contracts:
            target = {"target_kind": "contract", "contract_id": rng.choice(contracts)}
        else:
            target = {"target_kind": "organization", "organization_id": rng.choice(city.orgs)[0]}
        age = (city.now - filed).days
        status = (
            "submitted"
            if age < 5
            else ("accepted" if age < 40 else rng.choice(("concluded", "concluded", "declined")))
        )
        decided = filed + datetime.timedelta(days=3) if status != "submitted" else None
        sink.add(
            PublicReport,
            tracking_number=f"BR{index + 1:08d}",
            description="基准数据：群众反映服务质量问题。",
            channel="web",
            received_on=filed.date(),
            recorded_by_id=None,
            contact_name=city.name(),
            contact_phone=city.phone(),
            contact_email="",
            contact_address="",
            filed_by_id=None,
            filed_at=filed,
            accept_due_on=(filed + datetime.timedelta(days=7)).date(),
            status=status,
            decided_at=decided,
            decided_by_id=city.supervisor if decided else None,
            decline_reason="不属于受理范围" if status == "declined" else "",
            handler_id=city.supervisor if status in ("accepted", "concluded") else None,
            due_on=(filed + datetime.timedelta(days=60)).date()
            if status in ("accepted", "concluded")
            else None,
            outcome=rng.choice(("substantiated", "partly", "unsubstantiated"))
            if status == "concluded"
            else "",
            outcome_summary="已核实处理。" if status == "concluded" else "",
            concluded_at=filed + datetime.timedelta(days=30) if status == "concluded" else None,
            filer_emailed_status="",
            **target,
        )
        sink.checkpoint()
    city.say(f"public reports: {count}")


def _performance_evaluations(city: City) -> None:
    """A published final evaluation for about four in five completed, published contracts (the
    public list of evaluations and the contract pages show them), scored and graded by the services'
    own formula and thresholds. Drawn from a generator of its own, so the rest of the city is the same
    as before this stage existed; read from the written contracts, so it can also be added to a city
    generated without it (`add_performance_evaluations`)."""
    from core.dates import add_months
    from orgs import rules as org_rules
    from orgs.models import CreditRecord, CreditRecordKind
    from procurement.contracts.services.performance import performance_grade, performance_total
    from procurement.models import Contract, PerformanceEvaluation
    from procurement.rules import performance_evaluation_weights

    city.sink.flush()
    rng = random.Random(f"{city.seed}-performance-evaluations")
    weights = performance_evaluation_weights()
    contracts = (
        Contract.objects.filter(
            reference__startswith="BENCH-", status="completed", published_at__isnull=False
        )
        .order_by("pk")
        .values_list("pk", "completed_at", "created_by_id", "organization_id", "reference", "title")
    )
    exclusion_months = org_rules.failed_performance_exclusion_months()
    made = 0
    for contract_id, completed_at, officer, organization, reference, title in contracts.iterator(
        chunk_size=5000
    ):
        if rng.random() >= 0.8:
            continue
        purchaser = Decimal(rng.randint(5500, 9900)) / 100
        satisfaction = Decimal(rng.randint(6000, 9900)) / 100
        third_party = Decimal(rng.randint(5800, 9800)) / 100
        total = performance_total(
            purchaser=purchaser, satisfaction=satisfaction, third_party=third_party, weights=weights
        )
        opened = completed_at + datetime.timedelta(days=rng.randint(3, 20))
        if opened + datetime.timedelta(days=15) > city.now:
            continue  # completed too recently: its evaluation is still to come
        published = min(opened + datetime.timedelta(days=rng.randint(15, 45)), city.now)
        grade = performance_grade(total)
        evaluation = city.sink.add(
            PerformanceEvaluation,
            contract_id=contract_id,
            kind="final",
            status="published",
            weight_purchaser=weights["purchaser"],
            weight_satisfaction=weights["satisfaction"],
            weight_third_party=weights["third_party"],
            weight_volunteering=weights["volunteering"],
            purchaser_score=purchaser,
            purchaser_comment="",
            third_party_assessor="基准第三方评估机构",
            third_party_score=third_party,
            third_party_comment="",
            volunteering_score=None,
            satisfaction_score=satisfaction,
            survey_answer_count=rng.randint(10, 60),
            total=total,
            grade=grade,
            survey_closes_on=(opened + datetime.timedelta(days=14)).date(),
            opened_at=opened,
            opened_by_id=officer,
            published_at=published,
            published_by_id=officer,
        )
        # the credit record the publication appends (orgs.services.records.credit_record_performance)
        source_key = f"procurement.performance:{evaluation}"
        evaluated_on = published.astimezone(SHANGHAI).date()
        record_title = f"{reference} {title} · 期末评价"[:200]
        city.sink.add(
            CreditRecord,
            organization_id=organization,
            kind=CreditRecordKind.PERFORMANCE,
            occurred_on=evaluated_on,
            title=record_title,
            details=f"加权总分 {total}",
            performance_grade=grade,
            source_key=source_key,
        )
        if grade == "failed":
            city.sink.add(
                CreditRecord,
                organization_id=organization,
                kind=CreditRecordKind.EXCLUSION,
                occurred_on=evaluated_on,
                title="因绩效评价不合格禁止参与投标",
                details=record_title,
                ends_on=add_months(evaluated_on, exclusion_months),
                source_key=f"{source_key}:exclusion",
            )
        made += 1
        city.sink.checkpoint()
    city.say(f"performance evaluations: {made}")


def add_performance_evaluations(scale: float, seed: int = 1, stdout=None) -> int:
    """Add the published evaluations to a city generated before `_performance_evaluations` existed
    (the same rows a new generation would write); returns how many."""
    from procurement.models import PerformanceEvaluation

    city = City(scale=scale, seed=seed, base_date=DEFAULT_BASE_DATE, stdout=stdout)
    if PerformanceEvaluation.objects.filter(contract__reference__startswith="BENCH-").exists():
        return 0
    _performance_evaluations(city)
    city.sink.finish()
    return city.sink.counts.get("procurement.PerformanceEvaluation", 0)


def _derived(city: City) -> None:
    """What the services keep next to the rows (bulk inserts send no signals): the hour summaries
    and the volunteer tally rebuilt, the organizations' latest grades, the procurement summaries and every cached portal page made stale;
    and what the nightly tasks write (the stored red flags, the open-data hub's yearly files)."""
    from core import portal_cache

    try:
        from volunteers.services.hour_summaries import summaries_rebuild as hour_summaries_rebuild
    except ImportError:  # a tree without the volunteer tally
        try:
            from volunteers.services.hour_summaries import hour_summaries_rebuild
        except ImportError:  # a tree without the summaries
            hour_summaries_rebuild = None
    if hour_summaries_rebuild is not None:
        rows = hour_summaries_rebuild()
        city.say(f"hour summaries rebuilt: {rows}")
    try:
        from orgs.services.records import refresh_latest_grades
    except ImportError:  # a tree without the stored latest grade
        refresh_latest_grades = None
    if refresh_latest_grades is not None:
        city.say(f"organizations' latest grades: {refresh_latest_grades()}")
    try:
        from procurement.supervision import summaries
    except ImportError:
        summaries = None
    if summaries is not None:
        summaries.bump()
    try:
        from procurement.supervision.services.red_flags import red_flags_refresh
    except ImportError:  # a tree without the stored red flags
        red_flags_refresh = None
    if red_flags_refresh is not None:
        city.say(f"red flags stored: {red_flags_refresh()}")
    try:
        from cms import opendata_files
    except ImportError:  # a tree without the stored yearly files
        opendata_files = None
    if opendata_files is not None:
        city.say(f"open-data yearly files written: {len(opendata_files.generate().files)}")
    portal_cache.bump()


# --- wipe -----------------------------------------------------------------------------------------------


def generated_tables() -> list:
    """Every table the generator writes (without accounts and pages), with the tables that point at
    them, in an order children-first."""
    from django.apps import apps

    from accounts.models import User

    seeds = [
        m
        for app in ("orgs", "procurement", "volunteers")
        for m in apps.get_app_config(app).get_models(include_auto_created=True)
    ]
    from cms.calls import CallForBidsPage
    from cms.plans import PurchasingPlanPage

    seeds += [CallForBidsPage, PurchasingPlanPage]
    chosen = set(seeds)
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            if model in chosen or model._meta.app_label in ("audit",) or model is User:
                continue
            for field in model._meta.concrete_fields:
                if field.remote_field is not None and field.remote_field.model in chosen and not field.null:
                    chosen.add(model)
                    changed = True
                    break
    return sorted(chosen, key=lambda m: m._meta.db_table)


def wipe(stdout=None) -> None:
    """Empty what the generator writes (see the module doc): the bench database only."""
    from django.db import connection, transaction
    from wagtail.models import Page

    from accounts.models import User
    from cms.calls import CallForBidsIndexPage
    from cms.plans import PurchasingPlanIndexPage

    existing = set(connection.introspection.table_names())
    models = [m for m in generated_tables() if m._meta.db_table in existing]
    qn = connection.ops.quote_name
    with transaction.atomic():
        with connection.cursor() as cursor:
            # nullable references into the generated tables from elsewhere are cleared first
            from django.apps import apps

            chosen = set(models)
            for model in apps.get_models(include_auto_created=True):
                if model in chosen or model._meta.app_label == "audit":
                    continue
                for field in model._meta.concrete_fields:
                    if field.remote_field is not None and field.remote_field.model in chosen and field.null:
                        cursor.execute(
                            f"UPDATE {qn(model._meta.db_table)} SET {qn(field.column)} = NULL WHERE {qn(field.column)} IS NOT NULL"
                        )
            if connection.vendor == "postgresql":
                # inside a transaction (a test's) the deferred foreign-key checks must run first
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("TRUNCATE " + ", ".join(qn(m._meta.db_table) for m in models))
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                for model in models:
                    cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")
        for index_model in (CallForBidsIndexPage, PurchasingPlanIndexPage):
            index = index_model.objects.first()
            if index is None:
                continue
            orphans = Page.objects.filter(
                path__startswith=index.path, depth=index.depth + 1, slug__startswith="bench-"
            )
            orphans._raw_delete(orphans.db)
            children = Page.objects.filter(path__startswith=index.path, depth=index.depth + 1).count()
            Page.objects.filter(pk=index.pk).update(numchild=children)
        users = User.objects.filter(username__startswith=USER_PREFIX)
        User.groups.through.objects.filter(user__in=users)._raw_delete("default")
        User.user_permissions.through.objects.filter(user__in=users)._raw_delete("default")
        users._raw_delete(users.db)
    if stdout is not None:
        stdout.write(f"wiped {len(models)} tables and the bench accounts\n")


# --- entry points ---------------------------------------------------------------------------------------


def generate(
    scale: float, seed: int = 1, stdout=None, *, base_date: datetime.date | None = None
) -> dict[str, int]:
    """Generate the city at `scale` from `seed` into the current database; returns rows per model
    label (e.g. {"volunteers.HourRecord": 2000000, ...})."""
    from django.db import connection

    city = City(scale=scale, seed=seed, base_date=base_date or DEFAULT_BASE_DATE, stdout=stdout)
    city.ref = _reference(city.now)
    city.say(f"scale {scale}, seed {seed}, base date {city.base_date}, database {connection.vendor}")
    _staff(city)
    _organizations(city)
    city.org_members = {o[0]: o[3] for o in city.orgs}
    _experts(city)
    city.sink.flush()
    _tenders(city)
    city.sink.flush()
    _finish_pages(city)
    _volunteers(city)
    city.sink.flush()
    _volunteering(city)
    _verified_minutes(city)
    _public_reports(city)
    _performance_evaluations(city)
    city.sink.finish()
    # ANALYZEd before the derived rows are computed from them: inside one transaction (a test's)
    # autovacuum never sees the new rows, and the hour summaries' aggregates were once planned as
    # nested loops over tables PostgreSQL took for empty (a test worker ran one for 30 minutes).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in city.sink.models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    _derived(city)
    elapsed = time.monotonic() - city.started
    total = sum(city.sink.counts.values())
    city.say(f"done: {total} rows in {elapsed:.1f}s ({total / max(elapsed, 0.001):,.0f} rows/s)")
    counts = dict(city.sink.counts)
    counts["_sealed_closed_tenders"] = len(city.sealed_closed)
    return counts


def main(argv=None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wipe", action="store_true", help="empty the generated tables first")
    parser.add_argument("--base-date", type=datetime.date.fromisoformat, default=DEFAULT_BASE_DATE)
    parser.add_argument("--json", action="store_true", help="print the counts as JSON at the end")
    args = parser.parse_args(argv)
    from django.conf import settings

    if getattr(settings, "SETTINGS_KIND", "") == "prod":
        print("bench.generate refuses to run with production settings", file=sys.stderr)
        return 2
    if args.wipe:
        wipe(sys.stdout)
    counts = generate(args.scale, args.seed, sys.stdout, base_date=args.base_date)
    if args.json:
        print(json.dumps(counts, sort_keys=True))
    else:
        for label, value in sorted(counts.items()):
            print(f"  {label:<45} {value:>10,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
