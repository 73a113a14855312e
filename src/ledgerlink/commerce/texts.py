"""The Sync Flow's texts: every key's default in each locale, and which ones may not be blank.

A client rewords any of them with `PATCH /sync/commerce/config/ui/text?locale=`; `null` puts the default
back. `{commerce}` and `{accounting}` in a text are filled with the platforms' names.
"""

from __future__ import annotations

from dataclasses import dataclass

LOCALES = ("en-us", "fr-fr")
MAX_TEXT_LENGTH = 2_000


@dataclass(frozen=True)
class TextKey:
    key: str
    required: bool
    defaults: dict[str, str]


def _text(key: str, en: str, fr: str, *, required: bool = True) -> TextKey:
    return TextKey(key, required, {"en-us": en, "fr-fr": fr})


TEXT_KEYS: tuple[TextKey, ...] = (
    _text("welcome.title", "Sync your sales to {accounting}", "Synchronisez vos ventes avec {accounting}"),
    _text(
        "welcome.body",
        "Connect {accounting} and choose how your {commerce} sales, fees and payments are recorded. "
        "We'll post them to your books for you, once a period, never twice.",
        "Connectez {accounting} et choisissez comment vos ventes, frais et paiements {commerce} sont "
        "enregistrés. Nous les comptabilisons pour vous, une fois par période, jamais deux fois.",
        required=False,
    ),
    _text("connect.commerce", "Connect {commerce}", "Connecter {commerce}"),
    _text("connect.accounting", "Connect {accounting}", "Connecter {accounting}"),
    _text("connected", "Connected", "Connecté"),
    _text(
        "fetching.body",
        "We're reading your chart of accounts from {accounting}. This page refreshes by itself.",
        "Nous lisons votre plan comptable dans {accounting}. Cette page se met à jour toute seule.",
    ),
    _text(
        "configure.title",
        "Choose how your sales are recorded",
        "Choisissez comment vos ventes sont enregistrées",
    ),
    _text("sales.title", "Sales", "Ventes"),
    _text("sales.account", "Sales account", "Compte de ventes"),
    _text("sales.taxAccount", "Sales tax account", "Compte de TVA collectée"),
    _text("sales.refundsAccount", "Refunds account", "Compte de remboursements"),
    _text("sales.customer", "Customer for sales", "Client pour les ventes", required=False),
    _text("sales.invoiceStatus", "Invoice status", "Statut des factures", required=False),
    _text("tax.title", "Tax rates", "Taux de TVA"),
    _text(
        "tax.body",
        "Match each {commerce} tax rate to a tax rate in {accounting}.",
        "Associez chaque taux de TVA {commerce} à un taux de TVA {accounting}.",
        required=False,
    ),
    _text("payments.title", "Payments", "Paiements"),
    _text(
        "payments.body",
        "Where the money each payment method collects is recorded.",
        "Où est enregistré l'argent encaissé par chaque moyen de paiement.",
        required=False,
    ),
    _text("payments.defaultAccount", "Any other payment method", "Tout autre moyen de paiement"),
    _text("fees.title", "Fees", "Frais"),
    _text("fees.account", "Fees account", "Compte de frais"),
    _text("fees.supplier", "Supplier for fees", "Fournisseur des frais", required=False),
    _text("grouping.title", "Grouping", "Regroupement"),
    _text("grouping.period", "One journal entry per", "Une écriture par"),
    _text("schedule.title", "Schedule", "Planification"),
    _text("schedule.frequency", "Sync", "Synchroniser"),
    _text("schedule.startDate", "Post sales from", "Comptabiliser les ventes à partir du"),
    _text("schedule.syncHour", "At (hour of the day)", "À (heure de la journée)"),
    _text("schedule.timeZone", "Time zone", "Fuseau horaire"),
    _text("form.required", "required", "obligatoire"),
    _text("form.errors", "There is a problem", "Il y a un problème"),
    _text("save", "Save and finish", "Enregistrer et terminer"),
    _text("success.title", "You're all set", "C'est prêt"),
    _text(
        "success.body",
        "Your sales will be posted to {accounting} on the schedule you chose. You can close this page.",
        "Vos ventes seront comptabilisées dans {accounting} selon la planification choisie. Vous pouvez "
        "fermer cette page.",
    ),
)
BY_KEY = {text.key: text for text in TEXT_KEYS}


def defaults(locale: str) -> dict[str, str]:
    return {text.key: text.defaults[locale] for text in TEXT_KEYS}
