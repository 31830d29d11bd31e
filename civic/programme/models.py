"""The water-saving programme: the industry register, projects from application to payment, subsidies, feedback.

A firm may also be a water user of the register (``Firm.water_user``): the
two are linked, never copied. Rules the county may change (fit criteria of
measured savings, subsidy policy) are dated rows edited in the admin.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from civic.core.identifiers import validate_unified_social_credit_code


class Segment(models.Model):
    """One of the seven segments of the water-saving industry (节水产业细分领域)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("industry segment")
        verbose_name_plural = _("industry segments")

    def __str__(self) -> str:
        return self.name


class ChainRole(models.TextChoices):
    LEADER = "leader", _("Chain leader")
    SUPPLIER = "supplier", _("Supplier")
    SERVICE = "service", _("Service provider")
    USER = "user", _("Water-using firm")


class Park(models.Model):
    """A water-saving industry park (节水产业园)."""

    name = models.CharField(_("name"), max_length=100)
    town = models.ForeignKey("core.Region", verbose_name=_("town or street"), on_delete=models.PROTECT)
    land_m2 = models.FloatField(_("land (m²)"))
    opened_on = models.DateField(_("opened on"), null=True, blank=True)

    class Meta:
        verbose_name = _("industry park")
        verbose_name_plural = _("industry parks")

    def __str__(self) -> str:
        return self.name


class Firm(models.Model):
    """A firm of the programme: of the water-saving industry (it has segments) or a firm running projects."""

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_unified_social_credit_code]
    )
    town = models.ForeignKey("core.Region", verbose_name=_("town or street"), on_delete=models.PROTECT)
    segments = models.ManyToManyField(Segment, verbose_name=_("segments"), blank=True, related_name="firms")
    chain_role = models.CharField(_("chain role"), max_length=16, choices=ChainRole.choices, default=ChainRole.SUPPLIER)
    water_user = models.OneToOneField(
        "water.WaterUser",
        verbose_name=_("water user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programme_firm",
    )
    park = models.ForeignKey(
        Park, verbose_name=_("industry park"), null=True, blank=True, on_delete=models.PROTECT, related_name="firms"
    )
    park_land_m2 = models.FloatField(_("land in the park (m²)"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("firm")
        verbose_name_plural = _("firms")

    def __str__(self) -> str:
        return self.name

    @property
    def is_chain_leader(self) -> bool:
        return self.chain_role == ChainRole.LEADER


class FirmYear(models.Model):
    """A firm's figures for one year."""

    firm = models.ForeignKey(Firm, verbose_name=_("firm"), on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    output_value_yuan = models.DecimalField(_("output value (yuan)"), max_digits=16, decimal_places=2)
    water_saving_revenue_yuan = models.DecimalField(_("water-saving revenue (yuan)"), max_digits=16, decimal_places=2)
    employees = models.PositiveIntegerField(_("employees"))
    research_spend_yuan = models.DecimalField(_("R&D spend (yuan)"), max_digits=16, decimal_places=2)
    patents = models.PositiveIntegerField(_("patents"))

    class Meta:
        ordering = ["firm", "year"]
        verbose_name = _("firm's yearly figures")
        verbose_name_plural = _("firms' yearly figures")
        constraints = [models.UniqueConstraint(fields=["firm", "year"], name="one_figure_row_per_firm_and_year")]


class SupplyRelation(models.Model):
    """A firm supplying another with goods or services."""

    supplier = models.ForeignKey(Firm, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="supplies")
    customer = models.ForeignKey(Firm, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="supplied_by")
    goods = models.CharField(_("goods or services"), max_length=200)

    class Meta:
        verbose_name = _("supply relation")
        verbose_name_plural = _("supply relations")
        constraints = [models.UniqueConstraint(fields=["supplier", "customer"], name="one_relation_per_pair")]


class FirmReporter(models.Model):
    """An enterprise reporter's binding to the firm whose projects and feedback they file."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="firm_binding"
    )
    firm = models.ForeignKey(Firm, verbose_name=_("firm"), on_delete=models.CASCADE, related_name="reporters")

    class Meta:
        verbose_name = _("firm reporter")
        verbose_name_plural = _("firm reporters")


class Product(models.Model):
    """A water-saving product of a register firm."""

    firm = models.ForeignKey(Firm, verbose_name=_("maker"), on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("name"), max_length=200)
    segment = models.ForeignKey(Segment, verbose_name=_("segment"), on_delete=models.PROTECT)
    claimed_saving_fraction = models.FloatField(
        _("claimed saving (fraction)"), help_text=_("The share of use the maker says the product saves, 0 to 1.")
    )

    class Meta:
        ordering = ["firm", "name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class ProjectKind(models.TextChoices):
    RETROFIT = "retrofit", _("Retrofit")
    DEMONSTRATION = "demonstration", _("Demonstration")
    PRODUCT_APPLICATION = "product_application", _("Product application")


class Technology(models.TextChoices):
    WWTP_EFFLUENT_TO_INDUSTRY = "wwtp_to_industry", _("WWTP effluent to industry")
    CASCADE_BETWEEN_FIRMS = "cascade", _("Cascade use between firms")
    RECLAIMED_WATER = "reclaimed", _("Reclaimed water")
    PROCESS_RETROFIT = "process", _("Process water-saving retrofit")
    COOLING_RETROFIT = "cooling", _("Cooling-water retrofit")
    PRODUCT = "product", _("Water-saving product")


DEMONSTRATION_TECHNOLOGIES = (
    Technology.WWTP_EFFLUENT_TO_INDUSTRY,
    Technology.CASCADE_BETWEEN_FIRMS,
    Technology.RECLAIMED_WATER,
)


class Stage(models.TextChoices):
    APPLICATION = "application", _("Application")
    REVIEW = "review", _("Expert review")
    APPROVAL = "approval", _("Approval")
    CONSTRUCTION = "construction", _("Construction")
    ACCEPTANCE = "acceptance", _("Acceptance")
    VERIFICATION = "verification", _("Savings verification")
    SUBSIDY_DECISION = "subsidy_decision", _("Subsidy decision")
    PAYMENT = "payment", _("Payment")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


STAGE_ORDER = [stage.value for stage in Stage if stage != Stage.REJECTED]


class Project(models.Model):
    """A retrofit, demonstration or product-application project, and the stage it has reached."""

    number = models.CharField(_("project number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=ProjectKind.choices)
    technology = models.CharField(_("technology"), max_length=24, choices=Technology.choices)
    firm = models.ForeignKey(Firm, verbose_name=_("firm"), on_delete=models.PROTECT, related_name="projects")
    site = models.CharField(_("site"), max_length=200)
    investment_yuan = models.DecimalField(_("investment (yuan)"), max_digits=16, decimal_places=2)
    eligible_investment_yuan = models.DecimalField(_("eligible investment (yuan)"), max_digits=16, decimal_places=2)
    expected_annual_saving_m3 = models.FloatField(_("expected annual saving (m³)"))
    meters = models.ManyToManyField(
        "water.Meter", verbose_name=_("meters"), blank=True, related_name="programme_projects"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product applied"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    reuse_study = models.ForeignKey(
        "water.ReuseStudy",
        verbose_name=_("reuse study (design basis)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="programme_projects",
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.REVIEW)
    applied_on = models.DateField(_("applied on"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-applied_on", "number"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_demonstration(self) -> bool:
        return self.kind == ProjectKind.DEMONSTRATION


class StepOwner(models.TextChoices):
    FIRM = "firm", _("The firm")
    BUREAU = "bureau", _("The bureau")


class ProjectStep(models.Model):
    """One dated step of a project's life: due, done, by whom, with its documents."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="steps")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    title = models.CharField(_("title"), max_length=200)
    owner = models.CharField(_("owner"), max_length=8, choices=StepOwner.choices, default=StepOwner.BUREAU)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("done by"), null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.TextField(_("note"), blank=True)
    document = models.FileField(_("document"), upload_to="programme/%Y", blank=True)

    class Meta:
        ordering = ["project", "pk"]
        verbose_name = _("project step")
        verbose_name_plural = _("project steps")

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.done_on is None and self.due_on is not None and self.due_on < (today or timezone.localdate())


class ExpertReview(models.Model):
    """One expert's scores and opinion of an application."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="reviews")
    expert_name = models.CharField(_("expert"), max_length=50)
    technical_score = models.PositiveSmallIntegerField(_("technical score (0–50)"))
    economic_score = models.PositiveSmallIntegerField(_("economic score (0–50)"))
    opinion = models.TextField(_("opinion"))
    reviewed_on = models.DateField(_("reviewed on"))

    class Meta:
        ordering = ["project", "pk"]
        verbose_name = _("expert review")
        verbose_name_plural = _("expert reviews")

    @property
    def total_score(self) -> int:
        return self.technical_score + self.economic_score


class MonthlyProduction(models.Model):
    """A project site's production (and cooling degree days) in a month: the baseline model's regressors."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="production")
    month = models.DateField(_("month (first day)"))
    production = models.FloatField(_("production"))
    production_unit = models.CharField(_("unit"), max_length=20, default="t")
    cooling_degree_days = models.FloatField(_("cooling degree days (K·d)"), null=True, blank=True)

    class Meta:
        ordering = ["project", "month"]
        verbose_name = _("monthly production")
        verbose_name_plural = _("monthly production")
        constraints = [models.UniqueConstraint(fields=["project", "month"], name="one_production_row_per_month")]


class FitCriteriaRule(models.Model):
    """The fit criteria of measured savings in force from a date (ASHRAE Guideline 14-2014 4.1.2 by default)."""

    effective_from = models.DateField(_("effective from"), unique=True)
    maximum_cv_rmse = models.FloatField(_("largest CV(RMSE) (fraction)"), default=0.20)
    maximum_absolute_nmbe = models.FloatField(_("largest |NMBE| (fraction)"), default=0.00005)
    maximum_fractional_uncertainty = models.FloatField(_("largest savings uncertainty (fraction)"), default=0.50)
    uncertainty_confidence = models.FloatField(_("confidence of the uncertainty test"), default=0.68)
    minimum_baseline_periods = models.PositiveSmallIntegerField(_("fewest baseline months"), default=12)
    correct_for_autocorrelation = models.BooleanField(_("correct for autocorrelation"), default=True)
    source = models.CharField(_("source"), max_length=200, default="ASHRAE Guideline 14-2014, 4.1.2 and Annex B")

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("fit criteria of measured savings")
        verbose_name_plural = _("fit criteria of measured savings")

    def __str__(self) -> str:
        return f"{self.source} ({self.effective_from})"


class SavingsVerification(models.Model):
    """A saving measured from the project's meters before and after, by ``hydro.savings.estimate_savings``."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="verifications"
    )
    baseline_first_month = models.DateField(_("baseline from"))
    baseline_last_month = models.DateField(_("baseline to"))
    reporting_first_month = models.DateField(_("reporting from"))
    reporting_last_month = models.DateField(_("reporting to"))
    criteria = models.ForeignKey(FitCriteriaRule, verbose_name=_("fit criteria"), on_delete=models.PROTECT)
    regressors = models.JSONField(_("regressors"), default=list)
    savings_m3 = models.FloatField(_("saving (m³)"))
    savings_ci90_low_m3 = models.FloatField(_("low end of the 90 percent interval (m³)"))
    savings_ci90_high_m3 = models.FloatField(_("high end of the 90 percent interval (m³)"))
    adjusted_baseline_m3 = models.FloatField(_("adjusted baseline (m³)"))
    reporting_use_m3 = models.FloatField(_("reporting use (m³)"))
    annual_saving_m3 = models.FloatField(_("annual saving (m³/a)"))
    cv_rmse = models.FloatField(_("CV(RMSE)"))
    nmbe = models.FloatField(_("NMBE"))
    r2 = models.FloatField(_("R²"))
    certifiable = models.BooleanField(_("certifiable"))
    reasons = models.JSONField(_("reasons"), default=list)
    months = models.JSONField(_("monthly figures"), default=list)
    verified_on = models.DateField(_("verified on"))
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verified by"), on_delete=models.PROTECT)

    class Meta:
        ordering = ["project", "-verified_on", "-pk"]
        verbose_name = _("savings verification")
        verbose_name_plural = _("savings verifications")


class SubsidyPolicy(models.Model):
    """The subsidy rules and budget of one year (奖补政策)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    effective_from = models.DateField(_("effective from"))
    amount_per_m3_yuan = models.DecimalField(_("amount per m³ of annual saving (yuan)"), max_digits=8, decimal_places=2)
    investment_share = models.DecimalField(_("share of eligible investment"), max_digits=5, decimal_places=4)
    project_cap_yuan = models.DecimalField(_("cap per project (yuan)"), max_digits=16, decimal_places=2)
    firm_annual_cap_yuan = models.DecimalField(_("cap per firm and year (yuan)"), max_digits=16, decimal_places=2)
    demonstration_bonus_share = models.DecimalField(
        _("demonstration bonus (share)"), max_digits=5, decimal_places=4, default=Decimal("0")
    )
    annual_budget_yuan = models.DecimalField(_("the year's budget (yuan)"), max_digits=16, decimal_places=2)
    document = models.CharField(_("policy document"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("subsidy policy")
        verbose_name_plural = _("subsidy policies")

    def __str__(self) -> str:
        return f"{self.year} {self.document}"


class SubsidyDecision(models.Model):
    """The bureau's decision on a project's subsidy, a commitment against the year's budget."""

    project = models.OneToOneField(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="subsidy_decision"
    )
    number = models.CharField(_("decision number"), max_length=20, unique=True)
    policy = models.ForeignKey(SubsidyPolicy, verbose_name=_("policy"), on_delete=models.PROTECT)
    verification = models.ForeignKey(
        SavingsVerification, verbose_name=_("savings verification"), on_delete=models.PROTECT
    )
    amount_yuan = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2)
    limited_by = models.CharField(_("limited by"), max_length=16)
    working = models.JSONField(_("working"), default=dict)
    decided_on = models.DateField(_("decided on"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT)

    class Meta:
        ordering = ["-decided_on", "number"]
        verbose_name = _("subsidy decision")
        verbose_name_plural = _("subsidy decisions")

    def __str__(self) -> str:
        return self.number

    @property
    def paid_yuan(self) -> Decimal:
        return sum((payment.amount_yuan for payment in self.payments.all()), Decimal("0"))


class SubsidyPayment(models.Model):
    decision = models.ForeignKey(
        SubsidyDecision, verbose_name=_("decision"), on_delete=models.PROTECT, related_name="payments"
    )
    amount_yuan = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    voucher = models.CharField(_("payment voucher"), max_length=50)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT)

    class Meta:
        ordering = ["paid_on", "pk"]
        verbose_name = _("subsidy payment")
        verbose_name_plural = _("subsidy payments")


class ProblemCategory(models.TextChoices):
    NONE = "none", _("No problem")
    RELIABILITY = "reliability", _("Reliability")
    PERFORMANCE = "performance", _("Saves less than claimed")
    SERVICE = "service", _("After-sales service")
    INSTALLATION = "installation", _("Installation")
    COST = "cost", _("Running cost")


class Feedback(models.Model):
    """A firm's feedback on a product in use (节水产品应用反馈)."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="feedback")
    firm = models.ForeignKey(Firm, verbose_name=_("reporting firm"), on_delete=models.PROTECT, related_name="feedback")
    project = models.ForeignKey(
        Project, verbose_name=_("project"), null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback"
    )
    reported_on = models.DateField(_("reported on"))
    category = models.CharField(_("problem category"), max_length=16, choices=ProblemCategory.choices)
    severity = models.PositiveSmallIntegerField(
        _("severity (0–3)"), default=0, help_text=_("0 none, 1 minor, 2 serious, 3 the product stopped working.")
    )
    measured_saving_fraction = models.FloatField(_("measured saving (fraction)"), null=True, blank=True)
    text = models.TextField(_("what happened"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-reported_on", "-pk"]
        verbose_name = _("product feedback")
        verbose_name_plural = _("product feedback")


class UpgradeAdvice(models.Model):
    """Upgrade advice the bureau sends a maker, and the maker's reply."""

    firm = models.ForeignKey(Firm, verbose_name=_("firm"), on_delete=models.CASCADE, related_name="advice")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.SET_NULL, related_name="advice"
    )
    advice = models.TextField(_("advice"))
    sent_on = models.DateField(_("sent on"))
    reply = models.TextField(_("reply"), blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_on", "-pk"]
        verbose_name = _("upgrade advice")
        verbose_name_plural = _("upgrade advice")
