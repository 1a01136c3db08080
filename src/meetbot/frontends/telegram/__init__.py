"""The Telegram front end: python-telegram-bot 22.x handlers over the answering engine.

Every handler is registered in :func:`~meetbot.frontends.telegram.app.build_application`;
:func:`~meetbot.frontends.telegram.app.run_bot` reads the settings and runs the bot with
long polling (default) or a webhook. The handlers are thin: they call
:meth:`meetbot.answers.engine.Engine.ask` and render the
:class:`~meetbot.domain.answer.Answer` with :func:`meetbot.render.to_telegram_html`, so what
is tested in the console is what ships.

The modules, by what they handle:

* :mod:`~.app` — the Application, start-up, faults, running it;
* :mod:`~.commands` — /start /help /ask /meetings /people /sources /lang;
* :mod:`~.messages` — questions (in groups only when mentioned, replied to or commanded),
  other messages, inline queries;
* :mod:`~.buttons` and :mod:`~.keyboards` — what a button does, and the keyboards;
* :mod:`~.admin` — /stats, /reload, notices of broken knowledge edits;
* :mod:`~.replies` — the user's language, sending HTML, answering a question;
* :mod:`~.state` — what the bot remembers;
* :mod:`~.persistence` — saving it, so that a restart forgets no one;
* :mod:`~.settings` — the configuration, read from the environment in one place;
* :mod:`~.security` — the token and the webhook secret, kept out of the logs;
* :mod:`~.flood` — one chat's updates in order, a per-user throttle.
"""

from meetbot.frontends.telegram.app import build_application, run_bot
from meetbot.frontends.telegram.settings import Settings

__all__ = ["Settings", "build_application", "run_bot"]
