"""The service's arguments are checked against their annotations at the boundary.

Not public API. Every resource of :class:`~leadcore.LeadService` (each a subclass
of :class:`~leadcore.service._resource.Resource` naming its namespace) and the
service itself call :func:`check_arguments` once, when the class is created:
each public method, its own or inherited (the generic reader of persons and
companies), gets a wrapper that tests its arguments' types with the expressions
of :mod:`leadcore._checks`, inlined into one generated test, before the method
runs. A wrong type raises a :class:`~leadcore.errors.ValidationError` that names
the method as it is called (``persons.add()``) and the argument, instead of an
``AttributeError`` deep inside. A method added later to any resource is covered
without further work; a type variable of a generic base is read as the type the
resource binds it to (``Records[Person, PersonId]``: ``PersonId``). The wrapper is
compiled by :func:`leadcore._codegen.compile_function`, so a traceback through it
shows its lines (``<leadcore argument checks of persons.add ...>``).

What is checked, from the annotation: ids (``CompanyId`` ...: a positive int),
``int`` (not a bool), ``bool``, ``str`` (valid text), enums, ``Literal``,
classes (``isinstance``), ``X | None``, unions of these, and the containers
``tuple[X, ...]``, ``Sequence[X]``, ``Collection[X]``, ``frozenset[X]`` (the
container and its items; a ``str`` is not a sequence of anything here) and
``Iterable[X]`` (iterable and not text; the items of a collection are checked at
once, those of an iterator or generator as the method reads them, so that
nothing is consumed before the method runs: ``persons.get_many([True])`` and
``persons.get_many(iter([True]))`` are refused alike). Anything else (``Any``,
``object``, callables, type variables, the ports' Protocols) is not checked.
Values are checked as types only: ranges and meanings stay with the rules.

>>> from leadcore import LeadService
>>> LeadService.in_memory().persons.add("Ann", company_id="1")
Traceback (most recent call last):
...
leadcore.errors.ValidationError: persons.add(): company_id must be a CompanyId (a positive int) ...
"""

from __future__ import annotations

import collections.abc
import enum
import functools
import inspect
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any

from leadcore._checks import _NAMESPACE, FLAG, ID, RANK, TEXT, Check, _fix, _why
from leadcore._codegen import compile_function
from leadcore.errors import ValidationError

__all__ = ["check_arguments", "check_function"]

_F = typing.TypeVar("_F", bound=Callable[..., Any])

_CHECKED = "__leadcore_arguments_checked__"
"""Set on a wrapper, so that a class made again (attrs' slotted copy) is not wrapped twice."""

_SEQUENCES = {
    collections.abc.Sequence,
    collections.abc.Collection,
    collections.abc.Set,
    tuple,
    list,
    frozenset,
    set,
}


class _Test:
    """An expression over ``{v}`` true for an acceptable value, and what it accepts."""

    __slots__ = ("check", "constants", "expression", "items", "what")

    def __init__(
        self,
        expression: str,
        what: str,
        constants: dict[str, Any] | None = None,
        check: Check | None = None,
        items: _Test | None = None,
    ):
        self.expression = expression
        self.what = what
        self.constants = constants or {}
        self.check = check
        """The construction check this test is, whose advice a refusal gives."""
        self.items = items
        """``Iterable[X]``: the test of each item, run on an iterator's items as they are read."""


def _a(noun: str) -> str:
    """``noun`` with its indefinite article."""
    return f"an {noun}" if noun[:1].lower() in "aeio" else f"a {noun}"


def _bare(what: str) -> str:
    """``what`` without its leading article."""
    for article in ("a ", "an "):
        if what.startswith(article):
            return what[len(article) :]
    return what


def _constant(value: object, constants: dict[str, Any]) -> str:
    name = f"_lc_k{len(constants)}_{id(value)}"
    constants[name] = value
    return name


def _test(annotation: Any) -> _Test | None:
    """The test of one annotation, or None when it is not checked."""
    constants: dict[str, Any] = {}
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is Any or annotation is object or isinstance(annotation, typing.TypeVar):
        return None
    if isinstance(annotation, typing.NewType) and annotation.__supertype__ is int:
        return _Test(ID.test, f"{_a(annotation.__name__)} (a positive int)", check=ID)
    if annotation is bool:
        return _Test(FLAG.test, "True or False", check=FLAG)
    if annotation is int:
        return _Test(RANK.test, "an int (not a bool)")
    if annotation is str:
        return _Test(TEXT.test, "a str (valid Unicode text)", check=TEXT)
    if annotation is type(None):
        return _Test("{v} is None", "None")
    if origin is typing.Literal:
        name = _constant(tuple(args), constants)
        shown = " or ".join(repr(a) for a in args)
        test = f"any({{v}} is a or (type({{v}}) is type(a) and {{v}} == a) for a in {name})"
        return _Test(test, shown, constants)
    if origin is typing.Union or origin is types.UnionType:
        parts = [_test(arg) for arg in args]
        if any(part is None for part in parts):
            return None
        checked = [part for part in parts if part is not None]
        for part in checked:
            constants.update(part.constants)
        expression = " or ".join(f"({part.expression})" for part in checked)
        return _Test(f"({expression})", " or ".join(p.what for p in checked), constants)
    if origin in _SEQUENCES:
        if origin is tuple:
            item = _test(args[0]) if len(args) == 2 and args[1] is Ellipsis else None
        else:
            item = _test(args[0]) if args else None
        container = _constant(origin, constants)
        base = f"(isinstance({{v}}, {container}) and not isinstance({{v}}, (str, bytes)))"
        if item is None:
            return _Test(base, _a(origin.__name__.lower()), constants)
        constants.update(item.constants)
        items = item.expression.replace("{v}", "i")
        what = f"{_a(origin.__name__.lower())} of {_bare(item.what)}"
        return _Test(f"({base} and all({items} for i in {{v}}))", what, constants)
    if origin in {collections.abc.Iterable, collections.abc.Iterator}:
        base = "(isinstance({v}, collections.abc.Iterable) and not isinstance({v}, (str, bytes)))"
        item = _test(args[0]) if args else None
        if item is None:
            return _Test(base, "an iterable (not a str)")
        constants.update(item.constants)
        items = item.expression.replace("{v}", "i")
        # a collection's items are checked here; an iterator's as they are read (_fed)
        collection = "isinstance({v}, collections.abc.Collection)"
        return _Test(
            f"({base} and (not {collection} or all({items} for i in {{v}})))",
            f"an iterable of {_bare(item.what)}",
            constants,
            items=item,
        )
    if origin is not None or not inspect.isclass(annotation):
        return None
    if getattr(annotation, "_is_protocol", False):
        return None  # a Protocol (a port): structural, not checked by isinstance
    name = _constant(annotation, constants)
    if issubclass(annotation, enum.Enum):
        members = ", ".join(f"{annotation.__name__}.{m.name}" for m in annotation)
        return _Test(f"type({{v}}) is {name}", f"{_a(annotation.__name__)} ({members})", constants)
    if annotation is datetime:
        return _Test(f"isinstance({{v}}, {name})", "a datetime", constants)
    return _Test(f"isinstance({{v}}, {name})", _a(annotation.__name__), constants)


def _refusal(method: str, argument: str, value: object, test: _Test) -> ValidationError:
    """The error for ``value`` given as ``argument``: what it must be, what it is, what to do
    (the construction check's advice where the test is one: 'Pass "" for no email')."""
    fix = f"Pass {argument} as {test.what}"
    if test.check is not None:
        fix = _fix(value, argument, test.check)
    return ValidationError(
        f"{method}(): {argument} must be {test.what}",
        why=_why(value),
        fix=fix,
        method=method,
        argument=argument,
    )


def _item_refusal(
    method: str, argument: str, index: int, item: object, test: _Test
) -> ValidationError:
    """The error for the item at ``index`` of the iterable given as ``argument``."""
    assert test.items is not None
    fix = f"Pass every item of {argument} as {test.items.what}"
    if test.items.check is not None:
        fix = _fix(item, argument, test.items.check)
    return ValidationError(
        f"{method}(): {argument} must be {test.what}",
        why=f"at item {index}, {_why(item)}",
        fix=fix,
        method=method,
        argument=argument,
        index=index,
    )


def _item_check(test: _Test, namespace: dict[str, Any]) -> Callable[[object], bool]:
    """The test of one item of an ``Iterable[X]`` argument, as a function (an exception
    raised by the item itself counts as a refusal)."""
    assert test.items is not None
    accepts = eval(  # the expression made by _test, over one item
        f"lambda v: bool({test.items.expression.format(v='v')})", namespace
    )

    def check(item: object) -> bool:
        try:
            return bool(accepts(item))
        except Exception:
            return False

    return check


def _feeder(
    method: str, argument: str, test: _Test, namespace: dict[str, Any]
) -> Callable[[Any], Any]:
    """What the method is given for an ``Iterable[X]`` argument: a collection as it is (its
    items were checked before the call), an iterator behind a generator that checks each
    item as the method reads it, so that nothing is read before the method runs."""
    accepts = _item_check(test, namespace)

    def checked(values: Any) -> Any:
        for index, item in enumerate(values):
            if not accepts(item):
                raise _item_refusal(method, argument, index, item, test)
            yield item

    def fed(value: Any) -> Any:
        if isinstance(value, collections.abc.Collection):
            return value
        return checked(value)

    return fed


def _hints(function: Callable[..., Any], bound: dict[Any, Any]) -> dict[str, Any]:
    """The parameters' annotations, evaluated one by one in the function's module (the
    class being made is not there yet, so a return annotation naming it is skipped, as
    is any annotation that cannot be evaluated); type variables in ``bound`` are
    replaced by the types they are bound to."""
    hints: dict[str, Any] = {}
    for name, annotation in function.__annotations__.items():
        if name == "return":
            continue
        try:
            hints[name] = _bind(
                eval(annotation, function.__globals__)  # an annotation string of the source
                if isinstance(annotation, str)
                else annotation,
                bound,
            )
        except Exception:
            continue
    return hints


def _bind(annotation: Any, bound: dict[Any, Any]) -> Any:
    """``annotation`` with the type variables of ``bound`` replaced (``I | None`` with
    ``I`` bound to ``PersonId``: ``PersonId | None``)."""
    if isinstance(annotation, typing.TypeVar):
        return bound.get(annotation, annotation)
    parameters = getattr(annotation, "__parameters__", ())
    if parameters and all(p in bound for p in parameters):
        return annotation[tuple(bound[p] for p in parameters)]
    return annotation


def _bound_type_variables(cls: type) -> dict[Any, Any]:
    """The type variables of ``cls``'s generic bases and the types ``cls`` binds them to."""
    bound: dict[Any, Any] = {}
    for klass in reversed(cls.__mro__):
        for base in getattr(klass, "__orig_bases__", ()):
            origin = typing.get_origin(base)
            parameters = getattr(origin, "__parameters__", ())
            for parameter, argument in zip(parameters, typing.get_args(base), strict=False):
                bound[parameter] = _bind(argument, bound)
    return bound


def _wrap(
    function: Callable[..., Any],
    shown: str,
    bound: dict[Any, Any],
    *,
    first: int = 1,
) -> Callable[..., Any] | None:
    """``function`` behind a generated check of its annotated arguments (None: nothing to
    check). ``shown`` is the method's name in a refusal; the parameters before ``first``
    (``self`` or ``cls``) are not checked."""
    hints = _hints(function, bound)
    signature = inspect.signature(function)
    namespace: dict[str, Any] = {**_NAMESPACE, "collections": collections, "_lc_target": function}
    tests: dict[str, _Test] = {}
    parameters = []
    call = []
    for n, (name, parameter) in enumerate(signature.parameters.items()):
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            return None  # *args / **kwargs: left to the method
        text = name
        if parameter.default is not parameter.empty:
            namespace[f"_lc_d{n}"] = parameter.default
            text = f"{name}=_lc_d{n}"
        parameters.append((parameter.kind, text))
        test = _test(hints[name]) if name in hints and n >= first else None
        given = name
        if test is not None:
            tests[name] = test
            namespace.update(test.constants)
            if test.items is not None:
                namespace[f"_lc_fed{n}"] = _feeder(shown, name, test, namespace)
                given = f"_lc_fed{n}({name})"
        call.append(given if parameter.kind is not parameter.KEYWORD_ONLY else f"{name}={given}")
    if not tests:
        return None
    source_parameters: list[str] = []
    for kind, text in parameters:
        if kind is inspect.Parameter.KEYWORD_ONLY and "*" not in source_parameters:
            source_parameters.append("*")
        source_parameters.append(text)
    positional_only = [t for k, t in parameters if k is inspect.Parameter.POSITIONAL_ONLY]
    if positional_only:
        source_parameters.insert(len(positional_only), "/")
    expression = " and ".join(f"({test.expression.format(v=name)})" for name, test in tests.items())
    method = function.__name__

    def explain(values: dict[str, Any]) -> None:
        for name, test in tests.items():
            check = eval(  # the expression made above, over one value
                f"lambda v: bool({test.expression.format(v='v')})", namespace
            )
            try:
                good = check(values[name])
            except Exception:
                good = False
            if not good:
                value = values[name]
                if (
                    test.items is not None
                    and isinstance(value, collections.abc.Collection)
                    and not isinstance(value, str | bytes)
                ):
                    accepts = _item_check(test, namespace)
                    for index, item in enumerate(value):  # a collection: read again safely
                        if not accepts(item):
                            raise _item_refusal(shown, name, index, item, test) from None
                raise _refusal(shown, name, value, test) from None

    namespace["_lc_explain"] = explain
    arguments = ", ".join(f"{name!r}: {name}" for name in tests)
    source = "\n".join(
        [
            f"def factory({', '.join(namespace)}):",
            f"    def {method}({', '.join(source_parameters)}):",
            "        try:",
            f"            good = {expression}",
            "        except Exception:",
            "            good = False",
            "        if not good:",
            f"            _lc_explain({{{arguments}}})",
            f"        return _lc_target({', '.join(call)})",
            f"    return {method}",
        ]
    )
    # the code is made from the annotations' checks above
    factory = compile_function(source, "factory", {}, label=f"argument checks of {shown}")
    inner = factory(**namespace)
    # Everything the wrapper uses is a closure cell, so it can take the method's own module
    # globals: doctest and Sphinx then see it as a function of that module.
    checked = types.FunctionType(
        inner.__code__, function.__globals__, method, inner.__defaults__, inner.__closure__
    )
    checked.__kwdefaults__ = inner.__kwdefaults__
    wrapper: Callable[..., Any] = functools.wraps(function)(checked)
    setattr(wrapper, _CHECKED, True)
    return wrapper


def check_arguments(cls: type, namespace: str = "") -> None:
    """Wrap the public methods of ``cls``, its own and those it inherits from leadcore
    classes, so that their arguments are checked; a refusal names the method
    ``namespace.method()`` (``namespace`` empty: ``method()``)."""
    bound = _bound_type_variables(cls)
    seen: set[str] = set()
    for owner in cls.__mro__:
        if not owner.__module__.startswith("leadcore"):
            continue
        for name, member in list(vars(owner).items()):
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            kind: Callable[[Any], Any] | None = None
            function = member
            if isinstance(member, classmethod | staticmethod):
                kind, function = type(member), member.__func__
            if not inspect.isfunction(function) or kind is staticmethod:
                continue  # staticmethod: no self to skip, left unchecked
            if getattr(function, _CHECKED, False):
                if owner is cls:
                    continue  # checked already (attrs' slotted copy of a class)
                function = function.__wrapped__  # type: ignore[attr-defined]
            shown = f"{namespace}.{name}" if namespace else name
            wrapped = _wrap(function, shown, bound)
            if wrapped is not None:
                setattr(cls, name, wrapped if kind is None else kind(wrapped))


def check_function(function: _F) -> _F:
    """``function`` (a module-level entry point) with all its arguments checked."""
    wrapped = _wrap(function, function.__name__, {}, first=0)
    return function if wrapped is None else wrapped  # type: ignore[return-value]
