"""Message and letter templates, zh-CN and en, checked by the packs' content rules.

Each template is a YAML file under `templates/<pack>/`: its id, the pack whose rules it must
pass, the channel, party and purpose it is written for, and its text in both languages (Jinja2,
plain text). `catalog.render` fills one in; `lint.lint` runs the pack's content rules over every
template in both languages (`fairdebt templates lint`; CI runs it through the test suite).
`time_barred: true` marks a template written for debts past their limitation period: the lint
also reads it with the packs' rules against threatening suit on such a debt. A strategy action
names a template without its pack prefix (`reminder_sms`), so each case gets its pack's version;
`fairdebt strategy check` warns about a name no pack has. These files are version 1 of each
template; later versions live in the database and are activated after the same lint
(services.templates, docs/channels.md#templates). The worklist (services.worklist_execute)
renders each template's active version and still asks the gate before sending.
"""
