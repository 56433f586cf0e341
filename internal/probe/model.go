package probe

import (
	"digitnet/models"
	"digitnet/nn"
)

// EdgeModel returns the tutorial network with huge but finite weights that
// see only edges: blank and uniform inputs give zeros everywhere, so the
// probe of recognize.New passes, and any stroke overflows float32 to
// infinity, whose softmax is NaN. It is what a model damaged in training
// looks like to a server that has already loaded it.
func EdgeModel() (*models.Model, error) {
	net, err := nn.Build(nn.Tutorial())
	if err != nil {
		return nil, err
	}
	clear(net.Params)
	for _, ts := range net.Tensors() {
		switch ts.Name {
		case "conv1.kernel": // 3x3x1x32, HWIO: a horizontal edge for filter 0
			ts.Data[0*32] = 1e20  // (0,0)
			ts.Data[1*32] = -1e20 // (0,1)
		case "conv2.kernel": // 3x3x32x64: the centre of filter 0 on channel 0
			ts.Data[(1*3+1)*32*64] = 1e20
		case "dense1.kernel":
			for i := 0; i < len(ts.Data); i += 128 {
				ts.Data[i] = 1 // unit 0 sums everything
			}
		case "dense2.kernel":
			ts.Data[0] = 1
		}
	}
	return &models.Model{Net: net, Meta: models.Meta{Source: "edge", Format: "test", SHA256: models.WeightsSHA256(net.Params)}}, nil
}
