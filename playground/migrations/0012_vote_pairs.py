"""Votes become per pair: the fine-tuned answer against the base's, or against the reference's.

Every earlier vote compared the fine-tuned answer with the reference's, so it becomes a vote on
that pair (opponent "reference", the field's default). Some were cast on entries where the
reference never answered ("No answer from this model"), which gave a 100 % win rate: they are
kept as they were, and no longer counted, since win rates count only pairs whose two answers
exist (playground/selectors.py, vote_win_rates)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("playground", "0011_task_answer_format"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="vote",
            name="one_vote_per_comparison_and_session",
        ),
        migrations.AddField(
            model_name="vote",
            name="blind",
            field=models.BooleanField(default=False, help_text="cast without the models' names"),
        ),
        migrations.AddField(
            model_name="vote",
            name="opponent",
            field=models.CharField(
                choices=[("base", "Base model"), ("reference", "Reference")],
                default="reference",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="vote",
            name="choice",
            field=models.CharField(
                choices=[
                    ("finetuned", "Fine-tuned better"),
                    ("base", "Base better"),
                    ("reference", "Reference better"),
                    ("tie", "Tie"),
                    ("both_bad", "Both bad"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="vote",
            constraint=models.UniqueConstraint(
                fields=("comparison", "session_key", "opponent"),
                name="one_vote_per_pair_and_session",
            ),
        ),
    ]
