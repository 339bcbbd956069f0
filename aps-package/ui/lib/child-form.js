// The forms of a context's groups, rooms and shared mailboxes: each kind's fields, their widgets,
// validation and the resource JSON sent.
define(['aps/ResourceStore', './contexts', './i18n', './types'], function (ResourceStore, contexts, _, types) {
  'use strict';

  // OX's name rule for groups and resources, and the schemas' address rule.
  var NAME = /^[ $@%.+a-zA-Z0-9_-]+$/;
  var EMAIL = /^[^\s@]+@[^\s@]+$/;

  /** [property, widget kind, label, required] per kind. */
  var KINDS = {
    groups: { type: types.GROUP, fields: [['name', 'text', _('Group name'), true], ['displayName', 'text', _('Display name'), true]] },
    resources: {
      type: types.RESOURCE,
      fields: [
        ['name', 'text', _('Resource name'), true], ['displayName', 'text', _('Display name'), true],
        ['email', 'text', _('E-mail address'), true], ['description', 'text', _('Description'), false],
        ['available', 'check', _('Available for booking'), false],
      ],
    },
    'shared-mailboxes': {
      type: types.SHARED_MAILBOX,
      fields: [['address', 'text', _('Address'), true], ['displayName', 'text', _('Display name'), true]],
    },
  };

  function kind(name) {
    return KINDS[name];
  }

  /** The form's widgets; the name and address of an existing one stay as they are. */
  function widgets(genId, name, isNew) {
    var fields = kind(name).fields.map(function (f) {
      var id = genId('child_' + f[0]);
      if (f[1] === 'check') return ['aps/CheckBox', { id: id, label: f[2] }];
      var fixed = !isNew && (f[0] === 'name' || f[0] === 'address');
      return ['aps/TextBox', { id: id, label: f[2], required: f[3], disabled: fixed }];
    });
    return ['aps/FieldSet', { id: genId('child_fields'), title: _('Settings') }, fields];
  }

  function fill(byId, name, resource) {
    kind(name).fields.forEach(function (f) {
      var value = resource ? resource[f[0]] : undefined;
      if (f[1] === 'check') byId('child_' + f[0]).set('checked', value !== false);
      else byId('child_' + f[0]).set('value', value == null ? '' : String(value));
    });
  }

  function read(byId, name) {
    var input = {};
    kind(name).fields.forEach(function (f) {
      input[f[0]] = f[1] === 'check' ? Boolean(byId('child_' + f[0]).get('checked')) : String(byId('child_' + f[0]).get('value') || '').trim();
    });
    return input;
  }

  function validate(name, input) {
    var errors = {};
    kind(name).fields.forEach(function (f) {
      if (f[3] && !input[f[0]]) errors[f[0]] = _('__field__ is required', { field: f[2] });
    });
    if (input.name && !NAME.test(input.name)) errors.name = _('Use letters a-z, digits, spaces and . _ - @ + % $ only');
    if (name === 'groups' && input.name && input.name.toLowerCase() === 'users') errors.name = _('users is the group every user is in: choose another name');
    ['email', 'address'].forEach(function (k) { if (input[k] && !EMAIL.test(input[k])) errors[k] = _('Enter an e-mail address'); });
    return errors;
  }

  /** The resource JSON: a new one names its context and subscription. */
  function toResource(name, input, ctx, subscription) {
    var r = { aps: { type: kind(name).type } };
    Object.keys(input).forEach(function (k) { if (input[k] !== '') r[k] = input[k]; });
    if (ctx) {
      r.context = { aps: { id: ctx.aps.id } };
      if (subscription) r.aps.subscription = subscription;
    }
    return r;
  }

  /** The context's collection a kind's new resources are posted to. */
  var RELATION = { groups: 'groups', resources: 'resources', 'shared-mailboxes': 'sharedMailboxes' };

  /**
   * Posts a new one into the context of the subscription the panel shows (MSS: the panel sends
   * its id; the body names it too). Resolves to the saved resource.
   */
  function create(name, input) {
    var ctx = aps.context.vars.context;
    var subscription = aps.context.subscriptionId || contexts.subscriptionOf(ctx);
    aps.context.subscriptionId = subscription;
    var store = new ResourceStore({ target: '/aps/2/resources/' + ctx.aps.id + '/' + RELATION[name], apsType: kind(name).type });
    return store.put(toResource(name, input, ctx, subscription));
  }

  return { kind: kind, widgets: widgets, fill: fill, read: read, validate: validate, toResource: toResource, create: create };
});
