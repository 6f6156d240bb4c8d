"""Email in and out of the support service.

- ``commands``: queueing mail (``queue_mail``, ``queue_case_reply``,
  ``queue_notification``, in the caller's transaction), delivering one row,
  and filing a received mail (``receive``: threading, loop protection, bounces);
- ``parsing``: the pure rules about mail (case numbers, machine-sent mail,
  bounces, the text of a mail);
- ``outbound.MailSender`` and ``inbound.MailPoller``: the loops (SMTP out
  through shared.kit.mail, IMAP in);
- ``rpc.MailRpc``: the administrator's view; ``settings``: the area's settings.
"""
