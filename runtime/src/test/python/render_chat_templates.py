"""Renders the chat-template fixtures the Java tests compare against, with Python's jinja2 as Hugging Face does.

transformers is not needed (nor installed where this was run): `_compile_jinja_template` below replicates the
environment transformers' `apply_chat_template` compiles every template with (src/transformers/utils/
chat_template_utils.py, `_cached_compile_jinja_template`, and `render_jinja_template` for continue_final_message):

- jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
  extensions=[jinja2.ext.loopcontrols]) (transformers also adds its AssistantTracker extension, which only
  defines the {% generation %} tag and does not change what renders);
- filters["tojson"]: json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys);
- globals["raise_exception"]: raises jinja2.exceptions.TemplateError(message);
- globals["strftime_now"]: datetime.now().strftime(format); here a fixed instant (FIXED_NOW) so the fixtures are
  stable, which the Java test gives its renderer as its clock;
- render(messages=..., tools=..., documents=None, add_generation_prompt=..., **special_tokens), where the
  special tokens are the tokenizer's special_tokens_map (bos_token, eos_token as strings);
- continue_final_message: the final message's content gets "CONTINUE_FINAL_MESSAGE_TAG " appended, the render
  is cut at the tag (rstripped when the template trimmed the space after it).

Inputs: src/test/resources/chat-templates/templates.json (the templates, with their provenance) and
conversations.json; output: src/test/resources/chat-templates/expected.json, {template: {conversation: rendered
text, or {"error": message}}}. Conversations marked tools_only run only on templates marked tools.

Run from the repository root (jinja2 3.1.6, Python 3):
    python3 runtime/src/test/python/render_chat_templates.py [--shared-models ../shared/models]
"""
import argparse
import copy
import json
import os
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

FIXTURES = os.path.join("runtime", "src", "test", "resources", "chat-templates")
FIXED_NOW = datetime(2024, 7, 26, 9, 30, 0)
CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG "


def _compile_jinja_template(chat_template):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return FIXED_NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env.from_string(chat_template)


def render(template, conversation, special_tokens):
    chat = copy.deepcopy(conversation["messages"])
    continue_final = conversation.get("continue_final_message", False)
    add_generation_prompt = conversation.get("add_generation_prompt", False)
    if continue_final:
        final_message = chat[-1]["content"]
        chat[-1]["content"] = final_message + CONTINUE_TAG
    rendered = template.render(messages=chat, tools=conversation.get("tools"), documents=None,
                               add_generation_prompt=add_generation_prompt, **special_tokens)
    if continue_final:
        if final_message.strip() not in rendered or CONTINUE_TAG.strip() not in rendered:
            raise ValueError("the final message does not appear in the rendered chat")
        at = rendered.rindex(CONTINUE_TAG.strip())
        if rendered[at:at + len(CONTINUE_TAG)] == CONTINUE_TAG:
            rendered = rendered[:at]
        else:
            rendered = rendered[:at].rstrip()
    return rendered


def special_token(value):
    """A tokenizer_config token: a string or an AddedToken object ({"content": ...})."""
    return value.get("content") if isinstance(value, dict) else value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared-models", default=os.path.join("..", "shared", "models"))
    args = parser.parse_args()
    with open(os.path.join(FIXTURES, "templates.json"), encoding="utf-8") as f:
        templates = json.load(f)
    with open(os.path.join(FIXTURES, "conversations.json"), encoding="utf-8") as f:
        conversations = json.load(f)
    expected = {}
    for name, spec in templates.items():
        path = spec["file"]
        if path.startswith("shared:"):
            path = os.path.join(args.shared_models, path[len("shared:"):])
        else:
            path = os.path.join(FIXTURES, path)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if spec.get("tokenizer_config"):
            config = json.loads(text)
            text = config["chat_template"]
            tokens = {"bos_token": special_token(config.get("bos_token")),
                      "eos_token": special_token(config.get("eos_token"))}
        else:
            tokens = {"bos_token": spec["bos_token"], "eos_token": spec["eos_token"]}
        tokens = {k: v for k, v in tokens.items() if v is not None}
        template = _compile_jinja_template(text)
        expected[name] = {}
        for conversation in conversations:
            if conversation.get("tools_only") and not spec.get("tools"):
                continue
            try:
                expected[name][conversation["name"]] = render(template, conversation, tokens)
            except jinja2.exceptions.TemplateError as e:
                expected[name][conversation["name"]] = {"error": str(e)}
    with open(os.path.join(FIXTURES, "expected.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
