// Customer panel (UX1): a new room or piece of equipment, in this subscription's context.
define(['dojo/_base/declare', 'aps/View', '../lib/child-form', '../lib/messages'], function (declare, View, form, messages) {
  'use strict';
  var KIND = 'resources';

  return declare(View, {
    init: function () {
      return ['aps/Panel', { id: this.genId('res_new') }, [form.widgets(this.genId.bind(this), KIND, true)]];
    },
    onContext: function () {
      form.fill(this.byId.bind(this), KIND, undefined);
      aps.apsc.hideLoading();
    },
    onSubmit: function () {
      var input = form.read(this.byId.bind(this), KIND);
      if (messages.refused(form.validate(KIND, input))) return undefined;
      return form.create(KIND, input).then(function () { aps.apsc.gotoView('resources'); }, messages.failed);
    },
    onCancel: function () {
      aps.apsc.gotoView('resources');
    },
  });
});
