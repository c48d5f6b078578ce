//! The logout pages' languages: English, German, French.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    En,
    De,
    Fr,
}

impl Locale {
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
        }
    }

    /// A BCP 47 tag's primary language, if it is one of ours.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "de" => Some(Locale::De),
            "fr" => Some(Locale::Fr),
            _ => None,
        }
    }
}

/// RP-Initiated Logout §2: `ui_locales` is a space-separated list of BCP 47
/// tags in order of preference, and unsupported ones "SHOULD NOT" cause an
/// error. Failing those, `Accept-Language` (RFC 9110 §12.5.4, by q-value),
/// failing that, English.
pub fn negotiate(ui_locales: Option<&str>, accept_language: Option<&str>) -> Locale {
    if let Some(locale) = ui_locales
        .into_iter()
        .flat_map(|v| v.split_whitespace())
        .find_map(Locale::from_tag)
    {
        return locale;
    }
    let mut ranked: Vec<(f32, Locale)> = accept_language
        .into_iter()
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let locale = Locale::from_tag(parts.next()?)?;
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (q > 0.0).then_some((q, locale))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.first().map_or(Locale::En, |(_, l)| *l)
}

/// Every sentence of the logout pages, per locale.
pub struct Texts {
    pub dialog_title: &'static str,
    pub signed_in_as: &'static str,
    pub client_asks: &'static str,
    pub question: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub mismatch: &'static str,
    pub problem_heading: &'static str,
    pub problem_invalid_hint: &'static str,
    pub problem_unknown_client: &'static str,
    pub problem_unverifiable_redirect: &'static str,
    pub problem_unregistered_redirect: &'static str,
    pub problem_bad_request: &'static str,
    pub signed_out_title: &'static str,
    pub signed_out_body: &'static str,
    pub still_signed_in_title: &'static str,
    pub still_signed_in_body: &'static str,
    /// Before the client's name on the signed-out page's button.
    pub return_to: &'static str,
    pub notifying_title: &'static str,
    pub notifying_body: &'static str,
    pub continue_link: &'static str,
    pub not_confirmed: &'static str,
    pub continuing: &'static str,
    pub consent_title: &'static str,
    /// Before and after the client's name in the consent question.
    pub consent_question: (&'static str, &'static str),
    pub consent_explained: &'static str,
    pub consent_allow: &'static str,
    pub consent_deny: &'static str,
    /// The interactive dialog's live list, after Yes.
    pub live_heading: &'static str,
    pub live_signing_out: &'static str,
    /// A front-channel request under way, then its three ends.
    pub live_sending: &'static str,
    pub live_sent: &'static str,
    pub live_unreachable: &'static str,
    pub live_no_answer: &'static str,
    /// A back-channel delivery: delivered, or retried (then the reason).
    pub live_delivered: &'static str,
    pub live_retrying: &'static str,
    pub live_none: &'static str,
    pub live_failed: &'static str,
    pub continue_now: &'static str,
}

const EN: Texts = Texts {
    dialog_title: "Sign out",
    signed_in_as: "You are signed in to signoff as",
    client_asks: "You are signing out of",
    question: "Do you also want to sign out of signoff?",
    yes: "Yes, sign out of signoff",
    no: "No, stay signed in",
    mismatch: "This sign-out request was made for a different account or session than the one you are signed in with.",
    problem_heading: "This sign-out request has a problem",
    problem_invalid_hint: "The application sent sign-in information that signoff could not verify.",
    problem_unknown_client: "The application that sent you here is not registered with signoff.",
    problem_unverifiable_redirect: "The application asked to send you back to an address, but did not say which application it is, so you will not be sent there.",
    problem_unregistered_redirect: "The application asked to send you back to an address it has not registered, so you will not be sent there.",
    problem_bad_request: "The sign-out request was malformed or has expired.",
    signed_out_title: "You are signed out",
    signed_out_body: "You are no longer signed in to signoff. You can close this window.",
    still_signed_in_title: "You are still signed in",
    still_signed_in_body: "You stay signed in to signoff.",
    return_to: "Return to",
    notifying_title: "Signing you out of your applications",
    notifying_body: "signoff is telling each application you used in this session that you have signed out.",
    continue_link: "Continue",
    not_confirmed: "We could not confirm sign-out from:",
    continuing: "You will be taken on in a moment.",
    consent_title: "Stay connected?",
    consent_question: ("Allow", "to stay connected while you are signed out?"),
    consent_explained: "If you allow it, the application keeps access to your account after you sign out of signoff, until you remove it or it goes unused for a while. If you do not, you still sign in, and the application's access ends when you sign out.",
    consent_allow: "Allow",
    consent_deny: "Don't allow",
    live_heading: "Signing you out",
    live_signing_out: "Signing you out of signoff…",
    live_sending: "sending sign-out…",
    live_sent: "sign-out sent",
    live_unreachable: "could not reach",
    live_no_answer: "no answer",
    live_delivered: "signed out",
    live_retrying: "will keep trying",
    live_none: "You were not signed in to any application that needs telling.",
    live_failed: "Signing out did not work here. Continuing with the form…",
    continue_now: "Continue now",
};

const DE: Texts = Texts {
    dialog_title: "Abmelden",
    signed_in_as: "Sie sind bei signoff angemeldet als",
    client_asks: "Sie melden sich ab von",
    question: "Möchten Sie sich auch bei signoff abmelden?",
    yes: "Ja, bei signoff abmelden",
    no: "Nein, angemeldet bleiben",
    mismatch: "Diese Abmeldeanfrage gilt einem anderen Konto oder einer anderen Sitzung als der, mit der Sie angemeldet sind.",
    problem_heading: "Mit dieser Abmeldeanfrage stimmt etwas nicht",
    problem_invalid_hint: "Die Anwendung hat Anmeldeinformationen gesendet, die signoff nicht prüfen konnte.",
    problem_unknown_client: "Die Anwendung, die Sie hierher geschickt hat, ist bei signoff nicht registriert.",
    problem_unverifiable_redirect: "Die Anwendung möchte Sie an eine Adresse zurückschicken, hat aber nicht gesagt, welche Anwendung sie ist. Sie werden daher nicht dorthin geschickt.",
    problem_unregistered_redirect: "Die Anwendung möchte Sie an eine Adresse zurückschicken, die sie nicht registriert hat. Sie werden daher nicht dorthin geschickt.",
    problem_bad_request: "Die Abmeldeanfrage ist fehlerhaft oder abgelaufen.",
    signed_out_title: "Sie sind abgemeldet",
    signed_out_body: "Sie sind nicht mehr bei signoff angemeldet. Sie können dieses Fenster schließen.",
    still_signed_in_title: "Sie sind weiterhin angemeldet",
    still_signed_in_body: "Sie bleiben bei signoff angemeldet.",
    return_to: "Zurück zu",
    notifying_title: "Sie werden von Ihren Anwendungen abgemeldet",
    notifying_body: "signoff teilt jeder Anwendung, die Sie in dieser Sitzung verwendet haben, mit, dass Sie sich abgemeldet haben.",
    continue_link: "Weiter",
    not_confirmed: "Die Abmeldung konnten wir nicht bestätigen bei:",
    continuing: "Sie werden gleich weitergeleitet.",
    consent_title: "Verbunden bleiben?",
    consent_question: ("Darf", "verbunden bleiben, während Sie abgemeldet sind?"),
    consent_explained: "Wenn Sie es erlauben, behält die Anwendung Zugriff auf Ihr Konto, nachdem Sie sich bei signoff abgemeldet haben, bis Sie ihn entziehen oder er eine Weile ungenutzt bleibt. Wenn nicht, melden Sie sich trotzdem an, und der Zugriff der Anwendung endet mit Ihrer Abmeldung.",
    consent_allow: "Erlauben",
    consent_deny: "Nicht erlauben",
    live_heading: "Sie werden abgemeldet",
    live_signing_out: "Sie werden bei signoff abgemeldet …",
    live_sending: "Abmeldung wird gesendet …",
    live_sent: "Abmeldung gesendet",
    live_unreachable: "nicht erreichbar",
    live_no_answer: "keine Antwort",
    live_delivered: "abgemeldet",
    live_retrying: "wir versuchen es weiter",
    live_none: "Sie waren bei keiner Anwendung angemeldet, die benachrichtigt werden muss.",
    live_failed: "Die Abmeldung hat hier nicht funktioniert. Es geht mit dem Formular weiter …",
    continue_now: "Jetzt weiter",
};

const FR: Texts = Texts {
    dialog_title: "Déconnexion",
    signed_in_as: "Vous êtes connecté à signoff en tant que",
    client_asks: "Vous vous déconnectez de",
    question: "Voulez-vous aussi vous déconnecter de signoff ?",
    yes: "Oui, me déconnecter de signoff",
    no: "Non, rester connecté",
    mismatch: "Cette demande de déconnexion concerne un autre compte ou une autre session que celle avec laquelle vous êtes connecté.",
    problem_heading: "Cette demande de déconnexion pose problème",
    problem_invalid_hint: "L'application a envoyé des informations de connexion que signoff n'a pas pu vérifier.",
    problem_unknown_client: "L'application qui vous a envoyé ici n'est pas enregistrée auprès de signoff.",
    problem_unverifiable_redirect: "L'application demande à vous renvoyer vers une adresse sans dire quelle application elle est ; vous n'y serez donc pas renvoyé.",
    problem_unregistered_redirect: "L'application demande à vous renvoyer vers une adresse qu'elle n'a pas enregistrée ; vous n'y serez donc pas renvoyé.",
    problem_bad_request: "La demande de déconnexion est mal formée ou a expiré.",
    signed_out_title: "Vous êtes déconnecté",
    signed_out_body: "Vous n'êtes plus connecté à signoff. Vous pouvez fermer cette fenêtre.",
    still_signed_in_title: "Vous êtes toujours connecté",
    still_signed_in_body: "Vous restez connecté à signoff.",
    return_to: "Retour à",
    notifying_title: "Déconnexion de vos applications",
    notifying_body: "signoff informe chaque application utilisée pendant cette session que vous vous êtes déconnecté.",
    continue_link: "Continuer",
    not_confirmed: "Nous n'avons pas pu confirmer la déconnexion de :",
    continuing: "Vous allez être redirigé dans un instant.",
    consent_title: "Rester connecté ?",
    consent_question: (
        "Autoriser",
        "à rester connecté pendant que vous êtes déconnecté ?",
    ),
    consent_explained: "Si vous l'autorisez, l'application garde l'accès à votre compte après votre déconnexion de signoff, jusqu'à ce que vous le retiriez ou qu'il reste inutilisé un certain temps. Sinon, vous vous connectez quand même, et l'accès de l'application prend fin à votre déconnexion.",
    consent_allow: "Autoriser",
    consent_deny: "Ne pas autoriser",
    live_heading: "Déconnexion en cours",
    live_signing_out: "Déconnexion de signoff…",
    live_sending: "envoi de la déconnexion…",
    live_sent: "déconnexion envoyée",
    live_unreachable: "injoignable",
    live_no_answer: "pas de réponse",
    live_delivered: "déconnecté",
    live_retrying: "nous réessaierons",
    live_none: "Vous n'étiez connecté à aucune application à prévenir.",
    live_failed: "La déconnexion n'a pas fonctionné ici. Suite avec le formulaire…",
    continue_now: "Continuer maintenant",
};

/// Every sentence of `/account`, per locale.
pub struct AccountTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub not_signed_in: &'static str,
    pub sign_in: &'static str,
    pub started: &'static str,
    pub browser: &'static str,
    pub apps: &'static str,
    pub no_apps: &'static str,
    pub this_device: &'static str,
    pub sign_out: &'static str,
    pub sign_out_everywhere: &'static str,
    /// Before the number of sessions ended.
    pub ended_sessions: &'static str,
    pub told: &'static str,
    pub retrying: &'static str,
}

const ACCOUNT_EN: AccountTexts = AccountTexts {
    title: "Your sessions",
    intro: "These are the places where you are signed in to signoff. Signing out of one also signs you out of the apps you used there.",
    not_signed_in: "You are not signed in.",
    sign_in: "Sign in",
    started: "Started",
    browser: "Browser",
    apps: "Apps",
    no_apps: "No apps",
    this_device: "This device",
    sign_out: "Sign out",
    sign_out_everywhere: "Sign out everywhere",
    ended_sessions: "Sessions signed out:",
    told: "These apps were told:",
    retrying: "These apps have not answered yet. We will keep trying:",
};

const ACCOUNT_DE: AccountTexts = AccountTexts {
    title: "Ihre Sitzungen",
    intro: "Hier sind Sie bei signoff angemeldet. Wenn Sie sich von einer Sitzung abmelden, werden Sie auch von den Anwendungen abgemeldet, die Sie dort verwendet haben.",
    not_signed_in: "Sie sind nicht angemeldet.",
    sign_in: "Anmelden",
    started: "Begonnen",
    browser: "Browser",
    apps: "Anwendungen",
    no_apps: "Keine Anwendungen",
    this_device: "Dieses Gerät",
    sign_out: "Abmelden",
    sign_out_everywhere: "Überall abmelden",
    ended_sessions: "Abgemeldete Sitzungen:",
    told: "Diese Anwendungen wurden benachrichtigt:",
    retrying: "Diese Anwendungen haben noch nicht geantwortet. Wir versuchen es weiter:",
};

const ACCOUNT_FR: AccountTexts = AccountTexts {
    title: "Vos sessions",
    intro: "Voici les endroits où vous êtes connecté à signoff. Vous déconnecter de l'un d'eux vous déconnecte aussi des applications que vous y avez utilisées.",
    not_signed_in: "Vous n'êtes pas connecté.",
    sign_in: "Se connecter",
    started: "Début",
    browser: "Navigateur",
    apps: "Applications",
    no_apps: "Aucune application",
    this_device: "Cet appareil",
    sign_out: "Se déconnecter",
    sign_out_everywhere: "Se déconnecter partout",
    ended_sessions: "Sessions déconnectées :",
    told: "Ces applications ont été informées :",
    retrying: "Ces applications n'ont pas encore répondu. Nous continuons d'essayer :",
};

pub fn account_texts(locale: Locale) -> &'static AccountTexts {
    match locale {
        Locale::En => &ACCOUNT_EN,
        Locale::De => &ACCOUNT_DE,
        Locale::Fr => &ACCOUNT_FR,
    }
}

pub fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::En => &EN,
        Locale::De => &DE,
        Locale::Fr => &FR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_locales_wins_in_its_own_order_and_unknown_tags_are_skipped() {
        assert_eq!(negotiate(Some("ja fr-CA de"), Some("de")), Locale::Fr);
        assert_eq!(negotiate(Some("de-AT"), None), Locale::De);
        assert_eq!(negotiate(Some("xx-YY zz"), None), Locale::En);
        assert_eq!(negotiate(Some(""), None), Locale::En);
    }

    #[test]
    fn accept_language_is_used_by_q_value_when_ui_locales_has_nothing() {
        assert_eq!(
            negotiate(None, Some("en;q=0.5, fr;q=0.9, de;q=0.1")),
            Locale::Fr
        );
        assert_eq!(negotiate(Some("ja"), Some("de-CH, en;q=0.8")), Locale::De);
        assert_eq!(negotiate(None, Some("fr;q=0, en;q=0.1")), Locale::En);
        assert_eq!(negotiate(None, Some("garbage;;q=x,,")), Locale::En);
    }
}
