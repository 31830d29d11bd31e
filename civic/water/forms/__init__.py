"""Forms of planned water use, a module per topic (register, readings, plans, surcharges, quotas, metering, reuse): each field explains its own errors."""

from civic.water.forms.metering import (  # noqa: F401
    AlarmContactForm,
    AlarmFilterForm,
    AssignAlarmForm,
    BulkAssignForm,
    CloseCustomerAlarmForm,
    CloseLeakAlarmForm,
    CloseNightFlowAlarmForm,
    CustomerAlarmFilterForm,
    MeterCustomerUploadForm,
    MeteringParametersForm,
    NightFlowAlarmFilterForm,
    ReadingsAnalysisForm,
    SmartReadingsUploadForm,
    StaffChoiceField,
    WaterAuditForm,
    _volume_field,
    alarm_staff,
    outcome_field,
)
from civic.water.forms.plans import (  # noqa: F401
    IssuePlanForm,
    PlanAdjustmentDecisionForm,
    PlanAdjustmentRequestForm,
    PlanFilterForm,
    PlanStatusForm,
    ProposePlanForm,
    month_field_name,
)
from civic.water.forms.quotas import (  # noqa: F401
    QuotaFileForm,
    QuotaFilterForm,
)
from civic.water.forms.readings import (  # noqa: F401
    READINGS_FILE_SUFFIXES,
    ImportSearchForm,
    ReadingsFileForm,
)
from civic.water.forms.register import (  # noqa: F401
    CloseAccountForm,
    MeterForm,
    MeterReplacementForm,
    RegisterFilterForm,
    WaterUserForm,
)
from civic.water.forms.reuse import (  # noqa: F401
    ReuseSiteForm,
    ReuseStreamForm,
    ReuseStudyForm,
)
from civic.water.forms.surcharges import (  # noqa: F401
    BILL_STEPS,
    BillStepForm,
    OverdueBillFilterForm,
    SurchargeBillFilterForm,
    SurchargePeriodForm,
)
