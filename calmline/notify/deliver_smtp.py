"""Deliver e-mail over SMTP with :mod:`smtplib`.

The server and the credentials come from the environment, never from the rules file:

- ``CALMLINE_SMTP_HOST`` (default ``localhost``) and ``CALMLINE_SMTP_PORT`` (default 25; 587 is
  the usual submission port);
- ``CALMLINE_SMTP_USER`` and ``CALMLINE_SMTP_PASSWORD``: log in when the user is set;
- ``CALMLINE_SMTP_FROM``: the sender, when the rules file's ``[smtp] sender`` does not give one.

On port 465 the connection is TLS from the start (SMTPS). Elsewhere STARTTLS follows the rules
file's ``[smtp] starttls``: ``auto`` upgrades the connection when the server offers it, ``always``
refuses to send unless it can, ``never`` does not try. Credentials are never sent over a
connection that is not encrypted (unless ``starttls = "never"``). Server certificates are checked
against the system's trusted authorities.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

IMPLICIT_TLS_PORT = 465
"""On this port the connection is TLS from the start (SMTPS, RFC 8314); STARTTLS does not apply."""
TIMEOUT_S = 30.0
"""Seconds to wait for the SMTP server at each step."""


class MailError(RuntimeError):
    """The message was not delivered to the SMTP server."""


@dataclass(frozen=True)
class Server:
    """Where and how to send."""

    host: str = "localhost"
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "calmline@localhost"
    starttls: str = "auto"


def server_from_environment(sender: str | None = None, starttls: str = "auto") -> Server:
    """The SMTP server named by the ``CALMLINE_SMTP_*`` environment variables.

    Parameters
    ----------
    sender : str, optional
        The rules file's sender; else ``CALMLINE_SMTP_FROM``; else ``calmline@<this host>``.
    starttls : str
        auto, always or never.

    Returns
    -------
    Server

    Raises
    ------
    MailError
        When ``CALMLINE_SMTP_PORT`` is not a port number.
    """
    env = os.environ
    port_text = env.get("CALMLINE_SMTP_PORT", "25")
    try:
        port = int(port_text)
    except ValueError:
        raise MailError(f"CALMLINE_SMTP_PORT={port_text!r} is not a port number") from None
    return Server(host=env.get("CALMLINE_SMTP_HOST", "localhost"), port=port,
                  user=env.get("CALMLINE_SMTP_USER") or None, password=env.get("CALMLINE_SMTP_PASSWORD"),
                  sender=sender or env.get("CALMLINE_SMTP_FROM") or f"calmline@{socket.getfqdn()}",
                  starttls=starttls)


def message(server: Server, to: str, subject: str, text: str,
            attachment: tuple[str, bytes, str] | None = None) -> EmailMessage:
    """One e-mail: plain text, with an optional attachment (file name, bytes, MIME type)."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = server.sender, to, subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=server.sender.rpartition("@")[2] or None)
    mail.set_content(text)
    if attachment is not None:
        name, data, mime = attachment
        main, _, sub = mime.partition("/")
        mail.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return mail


def send(server: Server, mail: EmailMessage, timeout: float = TIMEOUT_S) -> None:
    """Hand ``mail`` to the SMTP server.

    Parameters
    ----------
    server : Server
        Where and how.
    mail : email.message.EmailMessage
        From :func:`message`.
    timeout : float
        Seconds to wait at each step.

    Raises
    ------
    MailError
        With one line saying what went wrong: the server cannot be reached, STARTTLS is required
        but not offered, the login or a recipient was refused, the connection dropped.
    """
    where = f"{server.host}:{server.port}"
    try:
        implicit = server.port == IMPLICIT_TLS_PORT
        connection = (smtplib.SMTP_SSL(server.host, server.port, timeout=timeout,
                                       context=ssl.create_default_context()) if implicit
                      else smtplib.SMTP(server.host, server.port, timeout=timeout))
        with connection as smtp:
            smtp.ehlo()
            upgraded = implicit
            if implicit:
                pass  # TLS from the first byte (RFC 8314)
            elif server.starttls != "never" and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
                upgraded = True
            elif server.starttls == "always":
                raise MailError(f"the SMTP server {where} does not offer STARTTLS, and the rules file "
                                f"requires it (starttls = \"always\")")
            if server.user:
                if not upgraded and server.starttls != "never":
                    raise MailError(f"the SMTP server {where} does not offer STARTTLS: the password of "
                                    f"CALMLINE_SMTP_USER is not sent in clear (starttls = \"never\" allows it)")
                smtp.login(server.user, server.password or "")
            smtp.send_message(mail)
    except MailError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"the SMTP server {where} refused the login of {server.user}: "
                        f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = "; ".join(f"{who}: {code} {_text(why)}" for who, (code, why) in exc.recipients.items())
        raise MailError(f"the SMTP server {where} refused the recipient ({refused})") from None
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"the SMTP server {where} answered {exc.smtp_code} {_text(exc.smtp_error)}") from None
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise MailError(f"sending through the SMTP server {where} failed: {exc}") from None
    except OSError as exc:  # refused, unreachable, timed out, name not known
        raise MailError(f"cannot connect to the SMTP server {where}: {exc.strerror or exc} "
                        f"(CALMLINE_SMTP_HOST / CALMLINE_SMTP_PORT)") from None


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
