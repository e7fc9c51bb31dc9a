"""Message and letter templates, zh-CN and en, checked by the packs' content rules.

Each template is a YAML file under `templates/<pack>/`: its id, the pack whose rules it must
pass, the channel, party and purpose it is written for, and its text in both languages (Jinja2,
plain text). `catalog.render` fills one in; `lint.lint` runs the pack's content rules over every
template in both languages (`fairdebt templates lint`; CI runs it through the test suite).
Channels (a later issue) render these and still ask the gate before sending.
"""
