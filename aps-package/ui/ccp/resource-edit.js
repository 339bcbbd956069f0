// Customer panel (UX1): one room or piece of equipment: its names, address, description and
// whether it may be booked.
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', '../lib/child-form', '../lib/messages'],
function (declare, View, ResourceStore, form, messages) {
  'use strict';
  var KIND = 'resources';

  return declare(View, {
    init: function () {
      return ['aps/Panel', { id: this.genId('res_edit') }, [form.widgets(this.genId.bind(this), KIND, false)]];
    },
    onContext: function () {
      form.fill(this.byId.bind(this), KIND, aps.context.vars.resource);
      aps.apsc.hideLoading();
    },
    onSubmit: function () {
      var input = form.read(this.byId.bind(this), KIND);
      if (messages.refused(form.validate(KIND, input))) return undefined;
      var body = form.toResource(KIND, input);
      body.aps.id = aps.context.vars.resource.aps.id;
      return new ResourceStore({ target: '/aps/2/resources', apsType: form.kind(KIND).type }).put(body)
        .then(function () { aps.apsc.gotoView('resources'); }, messages.failed);
    },
    onCancel: function () {
      aps.apsc.gotoView('resources');
    },
  });
});
