import django.db.models.deletion
from django.db import migrations, models


def fill_subjects(apps, schema_editor):
    """Every existing certificate is a special-operations certificate for its operation type."""
    Certificate = apps.get_model("certificates", "Certificate")
    Subject = apps.get_model("exams", "Subject")
    QualificationKind = apps.get_model("exams", "QualificationKind")
    kind, _ = QualificationKind.objects.get_or_create(code="special_operation", defaults={"name": "特种作业操作证"})
    for operation_type_id in Certificate.objects.values_list("operation_type_id", flat=True).distinct():
        operation_type = apps.get_model("exams", "OperationType").objects.get(pk=operation_type_id)
        subject, _ = Subject.objects.get_or_create(
            operation_type=operation_type,
            defaults={"code": operation_type.code, "kind": kind, "name": operation_type.name},
        )
        Certificate.objects.filter(operation_type_id=operation_type_id).update(subject=subject)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0002_lifecycle"),
        ("exams", "0007_qualification_kinds_and_subjects"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="subject",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="certificates",
                to="exams.subject",
                verbose_name="考核科目",
            ),
        ),
        migrations.RunPython(fill_subjects, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="certificate",
            name="subject",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="certificates",
                to="exams.subject",
                verbose_name="考核科目",
            ),
        ),
        migrations.AlterField(
            model_name="certificate",
            name="operation_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="certificates",
                to="exams.operationtype",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="certificate",
            name="one_current_certificate_per_holder_and_type",
        ),
        migrations.AddConstraint(
            model_name="certificate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["valid", "suspended"])),
                fields=("holder", "subject"),
                name="one_current_certificate_per_holder_and_subject",
            ),
        ),
    ]
